"""The test kit: fakes of the outside world (Telegram's Bot API, Zalo's OA API: small real HTTP servers on 127.0.0.1)
and the helpers tests share (a seeded bulletin world, the officials' page, the outbox, browsers, event loops)."""
