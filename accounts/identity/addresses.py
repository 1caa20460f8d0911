"""The one email-address rule of Accounts: how an address is normalised and when it is valid.

Sign-up, sign-in, reset, change of address, invitations and the CLI all go through these two functions.
"""

import unicodedata

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321 §4.5.3.1.3: the longest path a mail server must accept


def normalise_email(email: str) -> str:
    """The stored form: Unicode NFKC, no surrounding spaces, lower case.

    NFKC folds compatibility lookalikes (fullwidth ａｌｉｃｅ＠…, ligatures) into the letters they
    imitate, so a lookalike of an existing address names that account instead of creating a second one.
    """
    folded = unicodedata.normalize("NFKC", email).strip().lower()
    # Lower-casing may leave a string NFKC changes again (e.g. U+0130); a second pass makes this idempotent.
    return unicodedata.normalize("NFKC", folded)


def is_valid_email(email: str) -> bool:
    """Syntax of the normalised address, no DNS; the reserved .test domain (RFC 6761) is allowed for the demo."""
    address = normalise_email(email)
    if not address or len(address) > MAX_LENGTH:
        return False
    try:
        # test_environment=True: email-validator otherwise refuses special-use domains such as .test.
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True
