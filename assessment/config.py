"""Default configuration. Values here are overridden by environment variables (see README)."""

from datetime import timedelta
from pathlib import Path

# The repository: templates, static files, migrations and questionnaires live beside the package.
ROOT = Path(__file__).resolve().parent.parent

# Database: None means "sqlite file in the instance folder", resolved by the factory.
SQLALCHEMY_DATABASE_URI: str | None = None
SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}

# Sessions: HttpOnly and SameSite=Lax always; Secure is switched on behind HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
# Signed-in sessions end after this many minutes without a request (an unlocked screen left
# behind), and this many hours after signing in whatever the activity. Both are checked on the
# server from times kept in the signed cookie. Answers posted after a timeout are kept for the
# same account until it signs in again. With SESSION_COOKIE_SECURE the cookie is named
# "__Host-session" (set in web/auth.py) so that no sub-domain can plant one.
SESSION_IDLE_MINUTES = 30
SESSION_ABSOLUTE_HOURS = 12

# CSRF tokens live as long as the session: an executive who pauses mid-questionnaire
# must not lose a page of answers to a token that expired while they were in a meeting.
WTF_CSRF_TIME_LIMIT: int | None = None

# Questionnaire data files (rubric, facts, training, one file per role and version).
QUESTIONNAIRES_PATH: str | None = None

# Public base URL used for every link in e-mails (never the request's Host header).
BASE_URL = "http://127.0.0.1:5000"

# Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
PROXY_FIX_HOPS = 0

MIN_PASSWORD_LENGTH = 12

# Mail: "outbox" keeps messages in the database and the log (development); "smtp" sends them.
MAIL_BACKEND = "outbox"
MAIL_FROM = "Security steering committee <security-committee@example.com>"
SMTP_HOST = "localhost"
SMTP_PORT = 25
SMTP_STARTTLS = False
SMTP_USERNAME: str | None = None
SMTP_PASSWORD: str | None = None

# Invitation links stop working after this many days, and whenever their cycle is not open.
INVITATION_MAX_AGE_DAYS = 60

# Links to set a password: a reset link ("Forgot your password?") works for this many minutes,
# a welcome link sent to a new person for this many hours; both work once.
PASSWORD_RESET_MAX_AGE_MINUTES = 60
WELCOME_LINK_MAX_AGE_HOURS = 72

# Quarter-to-quarter comparisons: minimum people present in both cycles before a Wilcoxon test
# (below 6 no exact two-sided test can reach 0.05) or a bootstrap interval is shown.
TREND_MIN_PAIRS_TEST = 6
TREND_MIN_PAIRS_INTERVAL = 10
TREND_SEED = 20261127

# The item analysis page shows an item's or a domain's figures only from this many responses
# on: below it the figures mean nothing yet. (The API returns them with n, for pooling
# elsewhere; its readers, administrators and the committee, see attributed answers anyway.)
ITEM_ANALYSIS_MIN_N = 10

# The committee pack's cover: the organisation's name (ASSESSMENT_ORGANISATION_NAME) and the
# confidentiality marking printed on the cover and at the foot of every page.
ORGANISATION_NAME = ""
PACK_MARKING = "Confidential: for the security steering committee and the board only"

# The climate pulse (unscored statements about the company) shows a statement's total only
# when at least this many people answered it, so that no single answer can be worked out.
PULSE_MIN_GROUP = 5

# Training: people below this level in a domain get a training need; sessions planned within
# this many days count as "planned".
TRAINING_BELOW_LEVEL = "L3"
TRAINING_PLANNING_DAYS = 60
# Time zone a new session's form starts with when the coordinator has scheduled none before
# (after that, the zone of their last session). An IANA name such as Europe/Berlin.
TRAINING_DEFAULT_TIMEZONE = "UTC"
# Address that appears as the organizer of calendar invitations.
MAIL_FROM_ADDRESS = "security-committee@example.com"

# Throttling (Flask-Limiter). Failed log-ins per account and per address, and invalid invitation
# links per address. Use a shared store such as redis:// when several processes serve the app.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
INVITATION_LIMIT_PER_ADDRESS = "20 per 10 minutes"
# "Forgot your password?": requests per client address and per e-mail address asked for
# (every valid request counts, whether or not the address has an account).
PASSWORD_RESET_LIMIT_PER_ADDRESS = "10 per 15 minutes"
PASSWORD_RESET_LIMIT_PER_EMAIL = "3 per hour"

# Requests larger than this are refused with a clear 413 page (answers are at most 5,000 chars).
MAX_CONTENT_LENGTH = 1024 * 1024

# Fact reports: the as-of date of a cycle's fact lies between this many days before the cycle
# opens and this many days after it closes (and never after today). Evidence files attached to
# a fact may be this large (the entry form alone accepts requests of that size), and are kept
# in EVIDENCE_DIR (None: <instance>/evidence), outside the static folder, named by content hash.
FACT_AS_OF_DAYS_BEFORE = 92
FACT_AS_OF_DAYS_AFTER = 31
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_DIR: str | None = None

# Single sign-on for the whole installation (OpenID Connect, README "Single sign-on"): the
# provider's issuer URL, and the client id and secret registered with it. When all three are
# set, the log-in page offers "Sign in with <OIDC_LABEL>". Each organisation may also set its own
# provider on its administration pages (kept in the database, the secret encrypted).
OIDC_ISSUER: str | None = None
OIDC_CLIENT_ID: str | None = None
OIDC_CLIENT_SECRET: str | None = None
OIDC_LABEL = "your organisation's sign-in"
# An issuer must be https. Plain http to a provider on this machine (127.0.0.1, localhost) is
# accepted only in tests (TESTING) or with this switch, for a test provider run by hand.
OIDC_ALLOW_INSECURE_LOCALHOST = False

# Security headers; HSTS is sent when session cookies are Secure (i.e. behind HTTPS).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
