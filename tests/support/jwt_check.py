#!/usr/bin/python3
"""jwt_check.py - an independent JOSE implementation for teev's tests
(Debian's python3-jwt, PyJWT, on python3-cryptography), so a bug in teev's
own JWS, JWK or thumbprint code cannot hide behind its own checker.

  jwt_check.py verify JWKS_FILE TOKEN_FILE
      verifies the token with the key its kid names (alg taken from the key,
      never from the token); prints the claims set as JSON; exit 0 valid,
      1 not valid
  jwt_check.py thumbprints JWKS_FILE
      recomputes every key's RFC 7638 SHA-256 thumbprint; exit 0 when each
      kid equals it
  jwt_check.py sign PRIVATE_PEM KID ALG PAYLOAD_FILE
      prints a compact JWS of the payload's bytes, signed by PyJWT
Exit 2: bad usage; 3: python3-jwt is missing.
"""
import base64
import hashlib
import json
import sys

try:
    import jwt
    from cryptography.hazmat.primitives import serialization
except ImportError as missing:
    print("jwt_check.py: %s (apt-get install python3-jwt)" % missing, file=sys.stderr)
    sys.exit(3)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk):
    if jwk["kty"] == "EC":
        members = {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
    else:
        members = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    text = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(text.encode()).digest())


def verify(jwks_file, token_file):
    with open(jwks_file, encoding="utf-8") as f:
        jwks = json.load(f)
    with open(token_file, encoding="utf-8") as f:
        token = f.read().strip()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        match = [k for k in jwks["keys"] if k.get("kid") == kid]
        if len(match) != 1:
            print("no key named %r" % kid, file=sys.stderr)
            return 1
        key = jwt.PyJWK(match[0])
        claims = jwt.decode(token, key.key, algorithms=[match[0]["alg"]],
                            options={"verify_aud": False, "verify_exp": False})
    except jwt.PyJWTError as e:
        print("invalid: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(claims, sort_keys=True))
    return 0


def thumbprints(jwks_file):
    with open(jwks_file, encoding="utf-8") as f:
        jwks = json.load(f)
    for k in jwks["keys"]:
        if k.get("kid") != thumbprint(k):
            print("kid %r is not the thumbprint %r" % (k.get("kid"), thumbprint(k)),
                  file=sys.stderr)
            return 1
    return 0


def sign(pem_file, kid, alg, payload_file):
    with open(pem_file, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(payload_file, "rb") as f:
        payload = f.read()
    print(jwt.api_jws.encode(payload, key, algorithm=alg, headers={"kid": kid}))
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "verify":
        return verify(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "thumbprints":
        return thumbprints(argv[2])
    if len(argv) == 6 and argv[1] == "sign":
        return sign(argv[2], argv[3], argv[4], argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
