"""Real peers for delivery: an SMTP server (aiosmtpd) and a CalDAV server (Radicale), both on
127.0.0.1 ports of their own, started by the tests."""
from __future__ import annotations

import threading
from email import message_from_bytes, policy

import pytest

from tests.conftest_backends import free_port

SECRET = "s3cret-Mail-Pa55word"
CALDAV_SECRET = "cal-Pa55-word-xyz"


class Mailbox:
    """What the SMTP server received: one parsed message per DATA, in order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list = []
        self.raw: list[bytes] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        with self.lock:
            self.raw.append(envelope.original_content or envelope.content)
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                    policy=policy.default))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def smtp():
    """An SMTP server on 127.0.0.1 (no TLS, no login): (host, port, mailbox)."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield "127.0.0.1", port, box
    controller.stop()


@pytest.fixture
def smtp_tls_login(tmp_path, monkeypatch):
    """An SMTP server on 127.0.0.1 that offers STARTTLS (a certificate of a CA made here, which
    the client trusts through SSL_CERT_FILE) and accepts one login: user alice, password SECRET."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key, ca = _make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"alice"
              and auth_data.password == SECRET.encode())
        box.logins.append(f"{auth_data.login.decode()}:{'ok' if ok else 'refused'}")
        return AuthResult(success=ok, handled=False)

    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield "127.0.0.1", port, box
    controller.stop()


def _make_certificate(folder):
    """A CA and a certificate for 127.0.0.1 signed by it (PEM files)."""
    import ipaddress
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oncall test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
          .not_valid_after(now + timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    paths[0].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return paths


@pytest.fixture
def radicale(tmp_path, monkeypatch):
    """Radicale on 127.0.0.1 (in this process, served by wsgiref in a thread), logins from an
    htpasswd file: alice / CALDAV_SECRET.  Yields its base URL; calendars are made by the test."""
    import wsgiref.simple_server

    radicale = pytest.importorskip("radicale")
    from radicale import config as rconfig

    (tmp_path / "users").write_text(f"alice:{CALDAV_SECRET}\n")
    configuration = rconfig.load()
    configuration.update({
        "auth": {"type": "htpasswd", "htpasswd_filename": str(tmp_path / "users"),
                 "htpasswd_encryption": "plain"},
        # no fsync after each write (as Radicale's own tests): a test's calendars live as long as it does
        "storage": {"filesystem_folder": str(tmp_path / "collections"), "_filesystem_fsync": "False"},
        "rights": {"type": "owner_only"},
    }, "test", privileged=True)
    app = radicale.Application(configuration)

    class Quiet(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, *args):
            pass

    port = free_port()
    server = wsgiref.simple_server.make_server("127.0.0.1", port, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
