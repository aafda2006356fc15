"""Text to speech for households who cannot read well: an answer read aloud as a voice message.

    backend = get_speech_backend()            # SPEECH_BACKEND: espeak (default) | cloud | off
    clip = await backend.synthesize("Về: Vay vốn cho hộ nghèo …")
    clip.data[:4] == b"OggS"                  # OGG Opus, what Telegram's sendVoice plays as a voice note

The protocol is one method, `synthesize(text) -> VoiceClip`, so another engine is one small class.

- `EspeakOpus` (default, offline): Debian's `espeak-ng` with its Vietnamese voice (`-v vi`) writes WAV, and
  `opusenc` (Debian's opus-tools) turns it into OGG Opus. Both are installed by `make browser` (part of
  `make test`). The voice is robotic but understandable, costs nothing and sends no text anywhere.
- `CloudSpeech`: the extension point for a natural Vietnamese voice (a cloud text-to-speech service). It is
  not implemented: selecting it without `SPEECH_CLOUD_API_KEY` raises `SpeechUnavailable` at start-up with a
  clear message, and with a key every call raises `SpeechUnavailable` saying the provider is not written yet —
  no silent stand-in that pretends to work. To add one, subclass it and implement `synthesize` with the
  provider's HTTP API (return OGG Opus, or convert with `EspeakOpus.encode_opus`).
- `off`: every call raises `SpeechUnavailable`; channels then show the text.

Channels catch `SpeechUnavailable` and degrade to the text with a logged warning.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from dataclasses import dataclass
from typing import Protocol

from core.settings import Settings, get_settings

log = logging.getLogger(__name__)
MAX_SPOKEN_CHARS = 1500
TIMEOUT_SECONDS = 30.0
# Emoji and pictographs (📢, 🔊…) are read as their English names by espeak; drop them.
_SYMBOLS_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


class SpeechUnavailable(RuntimeError):
    """No voice can be produced (backend off, tool missing, provider not configured): show the text instead."""


@dataclass(frozen=True)
class VoiceClip:
    data: bytes
    mime_type: str = "audio/ogg"  # OGG container, Opus codec
    filename: str = "giamngheo.ogg"


class SpeechBackend(Protocol):
    name: str

    async def synthesize(self, text: str) -> VoiceClip: ...


def spoken_text(text: str) -> str:
    """What is worth reading aloud: no emoji, no list dashes, at most `MAX_SPOKEN_CHARS` characters."""
    text = _SYMBOLS_RE.sub("", text)
    lines = [line.strip().removeprefix("- ").removeprefix("• ") for line in text.splitlines()]
    return "\n".join(line for line in lines if line)[:MAX_SPOKEN_CHARS]


async def _run(command: list[str], data: bytes | None) -> bytes:
    process = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.PIPE,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(data), TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise SpeechUnavailable(f"{command[0]} took more than {TIMEOUT_SECONDS:.0f} s") from None
    if process.returncode != 0 or not out:
        raise SpeechUnavailable(f"{command[0]} failed ({process.returncode}): {err.decode(errors='replace')[:200]}")
    return out


class EspeakOpus:
    """Offline Vietnamese voice: espeak-ng `-v vi` → WAV → opusenc → OGG Opus."""

    name = "espeak"

    def __init__(self, voice: str = "vi", words_per_minute: int = 140) -> None:
        self.voice, self.words_per_minute = voice, words_per_minute

    @staticmethod
    def tools_missing() -> list[str]:
        return [tool for tool in ("espeak-ng", "opusenc") if shutil.which(tool) is None]

    @staticmethod
    async def encode_opus(wav: bytes) -> bytes:
        """WAV bytes → OGG Opus bytes (mono speech at 24 kbit/s is plenty for a voice note)."""
        return await _run(["opusenc", "--quiet", "--bitrate", "24", "--speech", "-", "-"], wav)

    async def synthesize(self, text: str) -> VoiceClip:
        missing = self.tools_missing()
        if missing:
            raise SpeechUnavailable(f"missing {', '.join(missing)}: apt-get install espeak-ng opus-tools "
                                    "(make browser does it)")
        spoken = spoken_text(text)
        if not spoken:
            raise SpeechUnavailable("nothing to read aloud")
        # The text goes on stdin, never on the command line (no argument injection, no length limit).
        wav = await _run(["espeak-ng", "-v", self.voice, "-s", str(self.words_per_minute), "--stdout"],
                         spoken.encode())
        return VoiceClip(await self.encode_opus(wav))


class CloudSpeech:
    """Extension point for a cloud Vietnamese voice; not implemented (see the module docstring)."""

    name = "cloud"

    def __init__(self, settings: Settings) -> None:
        if settings.speech_cloud_api_key is None:
            raise SpeechUnavailable("SPEECH_BACKEND=cloud needs SPEECH_CLOUD_API_KEY (and a provider class: "
                                    "subclass core.speech.CloudSpeech and implement synthesize)")
        self.settings = settings

    async def synthesize(self, text: str) -> VoiceClip:
        raise SpeechUnavailable("no cloud text-to-speech provider is implemented yet: subclass "
                                "core.speech.CloudSpeech and implement synthesize, or use SPEECH_BACKEND=espeak")


class NoSpeech:
    name = "off"

    async def synthesize(self, text: str) -> VoiceClip:
        raise SpeechUnavailable("SPEECH_BACKEND=off")


def get_speech_backend(settings: Settings | None = None) -> SpeechBackend:
    """The configured backend (SPEECH_BACKEND); `cloud` without its key raises `SpeechUnavailable` at once."""
    settings = settings or get_settings()
    if settings.speech_backend == "cloud":
        return CloudSpeech(settings)
    if settings.speech_backend == "off":
        return NoSpeech()
    missing = EspeakOpus.tools_missing()
    if missing:
        log.warning("voice answers will be sent as text: %s not installed (apt-get install espeak-ng opus-tools)",
                    ", ".join(missing))
    return EspeakOpus(settings.speech_voice, settings.speech_words_per_minute)
