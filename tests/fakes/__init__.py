"""Fakes of the outside world (Telegram's Bot API, Zalo's OA API): small real HTTP servers on 127.0.0.1."""
