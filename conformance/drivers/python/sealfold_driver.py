#!/usr/bin/env python3
"""A Sealfold certification driver in Python (spec/18-driver-protocol.md).

It proves the driver protocol is language-neutral: Python 3 standard library plus the
`cryptography` package, no Sealfold code. It implements the client-identity profile (enrolment
and recovery, spec chapters 04 and 16 §2) and answers UNSUPPORTED (-32010) for every other method.

Run it as the driver command:  sealfold certify client --driver "python3 sealfold_driver.py"
Secrets (the password, the mnemonic) arrive only on stdin and never reach stderr.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

API = "/ocs/v2.php/apps/end_to_end_encryption/api/v2"
# The end_to_end_encryption app serves only known desktop/mobile clients (E2EE-API-006).
USER_AGENT = "Mozilla/5.0 (Linux) mirall/3.16.0 (Sealfold Python driver)"
WORDS = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bip39-english.txt")).read().split()
# Key derivations of spec/04-recovery.md §3: the tag decides which one the blob was written with.
KDFS = [("sha256", 600000), ("sha1", 600000), ("sha1", 1024)]

UNSUPPORTED, PRECONDITION, REJECTED = -32010, -32011, -32020


class RpcError(Exception):
    def __init__(self, code, message, e2ee_code=None):
        super().__init__(message)
        self.code = code
        self.e2ee_code = e2ee_code


def rejected(e2ee_code, message):
    return RpcError(REJECTED, message, e2ee_code)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def spki_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


class Driver:
    def __init__(self):
        self.session = None
        self.pins = {}  # identity -> sha256 of SPKI DER (trust on first use)
        self.key = None
        self.certificate = None
        self.server_key = None

    # --- HTTP (OCS) -------------------------------------------------------------------------
    def ocs(self, method, path, query=None, form=None):
        s = self.session
        q = {"format": "json", **(query or {})}
        url = s["baseUrl"] + path + "?" + urllib.parse.urlencode(q)
        token = b64(f"{s['userId']}:{s['password']}".encode())
        headers = {
            "Authorization": "Basic " + token,
            "OCS-APIRequest": "true",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-E2EE-Supported": "true",
        }
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                status, text = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        if status >= 500:
            raise rejected("SERVER_ERROR", f"{method} {path}: HTTP {status}")
        try:
            data = json.loads(text)["ocs"]["data"]
        except (ValueError, KeyError, TypeError):
            raise rejected("SERVER_RESPONSE_MALFORMED", f"{method} {path}: no OCS envelope")
        if status in (401,):
            raise rejected("AUTH_FAILED", f"{method} {path}: HTTP {status}")
        if status == 404:
            raise rejected("NOT_FOUND", f"{method} {path}: HTTP {status}")
        if status == 409:
            raise rejected("ALREADY_EXISTS", f"{method} {path}: HTTP {status}")
        if status >= 300:
            raise rejected("FORBIDDEN", f"{method} {path}: HTTP {status}")
        return data

    def string_field(self, data, name):
        v = data.get(name) if isinstance(data, dict) else None
        if not isinstance(v, str):
            raise rejected("SERVER_RESPONSE_MALFORMED", f"the answer lacks {name}")
        return v

    # --- trust ----------------------------------------------------------------------------
    def pinned_server_key(self):
        """Fetches the server key and pins it on first sight (E2EE-API-303)."""
        caps = self.ocs("GET", "/ocs/v2.php/cloud/capabilities")
        e2ee = (caps or {}).get("capabilities", {}).get("end-to-end-encryption") or {}
        if e2ee.get("enabled") is not True or not re.fullmatch(r"2(\.\d+)?", str(e2ee.get("api-version", ""))):
            raise rejected("UNSUPPORTED", "the server offers no E2EE API 2.x")
        pem = self.string_field(self.ocs("GET", API + "/server-key"), "public-key")
        try:
            key = serialization.load_pem_public_key(pem.encode())
        except ValueError:
            raise rejected("KEY_MALFORMED", "the server key is not a PEM public key")
        fp = sha256_hex(spki_der(key))
        ident = "server:" + self.session["baseUrl"]
        if ident in self.pins and self.pins[ident] != fp:
            raise rejected("KEY_CHANGED", "the server key differs from the pinned one")
        return key, ident, fp

    def validated_certificate(self, pem, server_key):
        """Signature by the server key, CN = user id, an RSA key of at least 2048 bits (chapter 03)."""
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise rejected("CERT_MALFORMED", "the certificate does not parse")
        try:
            server_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        except (InvalidSignature, TypeError, ValueError):
            raise rejected("CERT_UNTRUSTED", "the certificate is not signed by the pinned server key")
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if len(cns) != 1 or cns[0].value != self.session["userId"]:
            raise rejected("CERT_USER_MISMATCH", "the certificate names another user")
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
            raise rejected("KEY_UNSUPPORTED", "the certificate's key is not RSA of at least 2048 bits")
        return cert

    def accept(self, cert, server_ident, server_fp):
        """Pins the user's key and the server key, only after every check passed."""
        fp = sha256_hex(spki_der(cert.public_key()))
        ident = "user:" + self.session["userId"]
        if ident in self.pins and self.pins[ident] != fp:
            raise rejected("KEY_CHANGED", "the user's key differs from the pinned one")
        self.pins[ident] = fp
        self.pins[server_ident] = server_fp

    # --- methods --------------------------------------------------------------------------
    def hello(self, params):
        return {
            "name": "sealfold-python-driver",
            "vendor": "Sealfold",
            "version": "1",
            "driverApi": "1",
            "profiles": ["client-identity"],
            # The harness may see the mnemonic, so the reference client can recover this enrolment.
            "features": ["expose-secrets"],
        }

    def configure(self, params):
        server, account = params.get("server") or {}, params.get("account") or {}
        session = {
            "baseUrl": str(server.get("baseUrl", "")).rstrip("/"),
            "userId": account.get("userId"),
            "password": account.get("password"),
            "workDir": params.get("workDir"),
        }
        if self.session is not None and self.session != session and self.key is not None:
            raise RpcError(PRECONDITION, "already enrolled under another session")
        self.session = session
        os.makedirs(session["workDir"], exist_ok=True)
        return {}

    def need_session(self):
        if self.session is None:
            raise RpcError(PRECONDITION, "session.configure first")

    def enroll(self, params):
        self.need_session()
        if self.key is not None:
            raise RpcError(PRECONDITION, "already enrolled")
        server_key, server_ident, server_fp = self.pinned_server_key()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        words = [secrets.choice(WORDS) for _ in range(12)]  # E2EE-REC-001: uniform, no checksum
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.session["userId"])]))
            .sign(key, hashes.SHA256())
        )
        pem = self.string_field(
            self.ocs("POST", API + "/public-key", form={"csr": csr.public_bytes(serialization.Encoding.PEM).decode()}),
            "public-key",
        )
        cert = self.validated_certificate(pem, server_key)
        # E2EE-API-313: a certificate for another key is refused before anything is pinned or stored.
        if spki_der(cert.public_key()) != spki_der(key.public_key()):
            raise rejected("KEY_MISMATCH", "the issued certificate is not for this key")
        self.accept(cert, server_ident, server_fp)
        self.ocs("POST", API + "/private-key", form={"privateKey": self.seal(key, words)})
        self.key, self.certificate, self.server_key = key, cert, server_key
        return {"certFingerprintSha256": sha256_hex(cert.public_bytes(serialization.Encoding.DER)), "mnemonic": words}

    def seal(self, key, words):
        """The private-key blob of spec/04-recovery.md §4 (current KDF, 12-byte IV, 40-byte salt)."""
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        salt, iv = os.urandom(40), os.urandom(12)
        blob_key = hashlib.pbkdf2_hmac("sha256", "".join(words).encode(), salt, 600000, 32)
        sealed = AESGCM(blob_key).encrypt(iv, base64.b64encode(pem), None)
        return "|".join([b64(sealed), b64(iv), b64(salt)])

    def recover(self, params):
        self.need_session()
        if self.key is not None:
            raise RpcError(PRECONDITION, "already enrolled")
        words = params.get("mnemonic")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise RpcError(-32602, "mnemonic must be a list of words")
        words = " ".join(words).lower().split()
        # E2EE-REC-004: 12 words of the list, checked before any key derivation.
        if len(words) != 12 or any(w not in WORDS for w in words):
            raise rejected("MNEMONIC_INVALID", "the mnemonic is not 12 words of the list")
        server_key, server_ident, server_fp = self.pinned_server_key()
        uid = self.session["userId"]
        certs = self.ocs("GET", API + "/public-key", query={"users": json.dumps([uid])})
        pem = ((certs or {}).get("public-keys") or {}).get(uid)
        if not isinstance(pem, str):
            raise rejected("NOT_FOUND", "the server has no certificate for this user")
        cert = self.validated_certificate(pem, server_key)
        blob = self.string_field(self.ocs("GET", API + "/private-key"), "private-key")
        key = self.open_blob(blob, "".join(words))
        # E2EE-REC-030: the recovered key must be the certificate's key.
        if spki_der(key.public_key()) != spki_der(cert.public_key()):
            raise rejected("KEY_MISMATCH", "the recovered key is not the certificate's key")
        self.accept(cert, server_ident, server_fp)
        self.key, self.certificate, self.server_key = key, cert, server_key
        return {"certFingerprintSha256": sha256_hex(cert.public_bytes(serialization.Encoding.DER))}

    def open_blob(self, blob, password):
        parts = blob.split("|")
        try:
            if len(parts) != 3:
                raise ValueError
            sealed, iv, salt = (base64.b64decode(p, validate=True) for p in parts)
        except ValueError:
            raise rejected("KEY_BLOB_MALFORMED", "the private-key blob is malformed")
        if len(iv) not in (12, 16) or len(salt) != 40 or len(sealed) < 17:
            raise rejected("KEY_BLOB_MALFORMED", "the private-key blob is malformed")
        for prf, iterations in KDFS:
            blob_key = hashlib.pbkdf2_hmac(prf, password.encode(), salt, iterations, 32)
            try:
                plain = AESGCM(blob_key).decrypt(iv, sealed, None)
            except InvalidTag:
                continue
            try:
                return serialization.load_pem_private_key(base64.b64decode(plain, validate=True), password=None)
            except ValueError:
                raise rejected("KEY_MALFORMED", "the blob holds no private key")
        raise rejected("AEAD_TAG_MISMATCH", "no key derivation opens the blob (wrong mnemonic?)")

    def status(self, params):
        enrolled = self.key is not None
        return {
            "enrolled": enrolled,
            "certFingerprintSha256": sha256_hex(self.certificate.public_bytes(serialization.Encoding.DER)) if enrolled else None,
            "serverKeyFingerprintSha256": sha256_hex(spki_der(self.server_key)) if enrolled else None,
        }

    METHODS = {
        "driver.hello": hello,
        "session.configure": configure,
        "identity.enroll": enroll,
        "identity.recover": recover,
        "identity.status": status,
        "driver.shutdown": lambda self, params: {},
    }
    # Methods of the protocol outside client-identity: answered UNSUPPORTED (E2EE-DRV-803).
    OTHER = {
        "folder.create", "folder.list", "file.upload", "file.download", "file.rename", "file.delete",
        "share.add", "share.remove", "filedrop.put", "sync.refresh", "state.fingerprint",
        # The transparency-log methods (spec/18 section 4.1): this driver verifies no log.
        "log.configure", "log.status",
        "recovery.configure", "recovery.events", "recovery.consent", "recovery.folder",
    }

    def handle(self, method, params):
        if method in self.METHODS:
            return self.METHODS[method](self, params if isinstance(params, dict) else {})
        if method in self.OTHER:
            raise RpcError(UNSUPPORTED, f"{method} is not implemented by this driver")
        raise RpcError(-32601, f"unknown method {method}")


def main():
    driver = Driver()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError:
            print(json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "not JSON"}}), flush=True)
            continue
        method = req.get("method")
        answer = {"jsonrpc": "2.0", "id": req.get("id")}
        try:
            answer["result"] = driver.handle(method, req.get("params"))
        except RpcError as e:
            error = {"code": e.code, "message": str(e)}
            if e.e2ee_code:
                error["data"] = {"e2eeCode": e.e2ee_code}
            answer["error"] = error
        except Exception as e:  # the driver's own bug: say what kind, never the input
            answer["error"] = {"code": -32603, "message": f"internal driver error ({type(e).__name__})"}
        # Only method names and outcomes go to stderr: never parameters (they carry secrets).
        print(f"{method}: {'ok' if 'result' in answer else answer['error']['code']}", file=sys.stderr, flush=True)
        print(json.dumps(answer), flush=True)
        if method == "driver.shutdown":
            break


if __name__ == "__main__":
    main()
