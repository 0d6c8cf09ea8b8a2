"""An iMIP message (RFC 6047): a calendar invitation, update or cancellation as an email that
Gmail, Outlook and Apple Mail put into the calendar themselves.  Pure: the standard library's
`email` only.

Shape: multipart/mixed[ multipart/alternative[ text/plain, text/calendar; method=METHOD ],
invite.ics attached (Outlook shows the attachment when it does not read the inline part) ].
The `method=` parameter equals the calendar's METHOD line.
"""
from __future__ import annotations

import re
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def ics_method(ics: bytes) -> str | None:
    """The METHOD line of a calendar, if any."""
    found = _METHOD.search(ics)
    return found.group(1).decode() if found else None


def mail_message(*, sender: str, sender_name: str, to: str, to_name: str, subject: str, text: str,
                 at: datetime, message_id: str, ics: bytes | None = None) -> EmailMessage:
    """The message to send; with `ics` an iMIP message whose calendar part names its METHOD."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
    msg["To"] = str(Address(display_name=to_name, addr_spec=to)) if to_name else to
    if subject.isascii():
        msg["Subject"] = subject
    else:
        # Encoded whole, folded between encoded words: the library's own folding leaves a space at
        # a line's end before an encoded word ("10:00 ⏎ =?utf-8?…?= 12:00"), which every reader
        # unfolds into two spaces ("10:00  → 12:00").
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if ics is None:
        return msg
    method = ics_method(ics)
    params = {"charset": "UTF-8"}
    if method:
        params["method"] = method
    msg.add_alternative(ics, maintype="text", subtype="calendar", params=params)
    msg.make_mixed()
    msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return msg
