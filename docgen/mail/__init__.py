"""Reports by e-mail: ``docgen send weekly DATA`` (drafts or SMTP, ``--due`` hourly).

- :mod:`.settings`  ``[mail]`` in docgen.toml (sender, Cc/Bcc, SMTP, per-client addresses)
- :mod:`.texts`     subject and body templates per locale (built-in ko/zh-CN/zh-TW/en)
- :mod:`.message`   the MIME message (RFC 2047 headers, RFC 2231 attachment names)
- :mod:`.smtp`      sending with retries; sent / not sent / unconfirmed
- :mod:`.sentlog`   what was sent: the ledger's ``mail_sent`` table or ``sent-log.jsonl``
- :mod:`.run`       the staged run (read, validate, choose, render, write or send)
"""
from __future__ import annotations
