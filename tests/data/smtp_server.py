"""A real SMTP server on loopback for moodle-sync's alert tests (aiosmtpd).

Usage: smtp_server.py DIR USER PASSWORD [CERT KEY]

Listens on 127.0.0.1 on a free port, prints "READY <port>" on standard output once it accepts
connections, requires AUTH (PLAIN or LOGIN) with USER and PASSWORD, and with CERT and KEY
requires STARTTLS before anything else. Each message received is written to DIR as
<n>.json: the envelope ("mail_from", "rcpt_tos"), who logged in ("login"), whether the
session was encrypted ("tls"), and the message decoded ("from", "to", "subject",
"content_type", and "body" with its line ends as newlines),
written to a temporary name and renamed, so that a reader never sees half a file. Runs
until killed.
"""

import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    directory, user, password = sys.argv[1:4]
    tls = None
    if len(sys.argv) > 5:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[4], sys.argv[5])

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, auth_data=auth_data)

    class Recorder:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Recorder.count += 1
            message = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            record = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "from": str(message["From"]),
                "to": str(message["To"]),
                "subject": str(message["Subject"]),
                "content_type": message.get_content_type(),
                "body": message.get_content().replace("\r\n", "\n"),
                "login": session.auth_data.login.decode()
                if isinstance(session.auth_data, LoginPassword)
                else None,
                "tls": session.ssl is not None,
            }
            path = os.path.join(directory, f"{Recorder.count}.json")
            with open(path + ".tmp", "w", encoding="utf-8") as out:
                json.dump(record, out)
            os.rename(path + ".tmp", path)
            return "250 OK"

    def factory():
        return SMTP(
            Recorder(),
            hostname="localhost",
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=tls is not None,
            tls_context=tls,
            require_starttls=tls is not None,
        )

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, sock=listener))
    print(f"READY {port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
