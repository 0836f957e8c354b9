"""E-mail through Django's mail backend (SMTP in production), one session per sweep."""

from __future__ import annotations

import contextlib
import smtplib
import socket

from django.core.mail import EmailMessage, get_connection

from motcua.dossiers.models import ApologyLetter
from motcua.notifications.channels import Permanent, Unreachable, register
from motcua.notifications.models import Delivery

# The mail server cannot be reached (or dropped us): no point trying the next mails now.
UNREACHABLE = (
    ConnectionError, TimeoutError, socket.gaierror,
    smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, smtplib.SMTPAuthenticationError,
)


@register("email")
class EmailChannel:
    code = "email"

    @classmethod
    def available(cls) -> bool:
        return True

    def __init__(self) -> None:
        self.connection = get_connection()  # opened by the first mail, kept for the sweep

    def message(self, delivery: Delivery) -> EmailMessage:
        # The Message-ID is the delivery's own: a resend after a crash is recognisable as the same mail.
        message = EmailMessage(delivery.subject, delivery.body, to=[delivery.address],
                               headers={"Message-ID": delivery.message_id}, connection=self.connection)
        if delivery.attachment:
            letter = ApologyLetter.objects.filter(number=delivery.attachment).first()
            if letter is not None:
                with letter.file.open("rb") as f:
                    message.attach(f"{letter.number}.pdf", f.read(), "application/pdf")
        return message

    def send(self, delivery: Delivery) -> None:
        message = self.message(delivery)
        try:
            self.connection.open()  # no-op when already open
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"SMTPRecipientsRefused: {exc}") from exc
        except UNREACHABLE as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may already be gone
            self.connection.close()
