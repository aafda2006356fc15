"""Text to speech: the offline espeak-ng voice makes OGG Opus; the cloud extension point refuses clearly."""

import pytest
from pydantic import SecretStr

from core.settings import get_settings
from core.speech import CloudSpeech, EspeakOpus, SpeechUnavailable, get_speech_backend, spoken_text

pytestmark = pytest.mark.no_database


async def test_espeak_reads_vietnamese_into_an_ogg_opus_voice_note():
    clip = await EspeakOpus().synthesize("Về: Vay vốn cho hộ nghèo. Hỏi tổ trưởng Tổ tiết kiệm và vay vốn.")
    assert clip.data[:4] == b"OggS" and clip.data[28:36] == b"OpusHead" and clip.mime_type == "audio/ogg"


def test_emoji_and_list_dashes_are_not_read_aloud():
    assert spoken_text("🔊 Về: Vay vốn\n- Vay tối đa 100 triệu\n• Lãi 0,55%") == (
        "Về: Vay vốn\nVay tối đa 100 triệu\nLãi 0,55%")


def test_the_cloud_backend_without_a_key_refuses_at_once_and_says_what_is_missing():
    settings = get_settings().model_copy(update={"speech_backend": "cloud", "speech_cloud_api_key": None})
    with pytest.raises(SpeechUnavailable, match="SPEECH_CLOUD_API_KEY"):
        get_speech_backend(settings)


async def test_the_cloud_backend_is_an_extension_point_that_never_pretends_to_speak():
    settings = get_settings().model_copy(update={"speech_backend": "cloud",
                                                 "speech_cloud_api_key": SecretStr("k")})
    backend = get_speech_backend(settings)
    assert isinstance(backend, CloudSpeech)
    with pytest.raises(SpeechUnavailable, match="not implemented|no cloud"):
        await backend.synthesize("Xin chào")


async def test_speech_off_refuses_so_channels_show_the_text():
    settings = get_settings().model_copy(update={"speech_backend": "off"})
    with pytest.raises(SpeechUnavailable):
        await get_speech_backend(settings).synthesize("Xin chào")
