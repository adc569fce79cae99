"""Persistence helpers: functions of a session that flush but never commit."""

from .accounts import (  # noqa: F401
    count_accounts,
    create_person_with_account,
    find_account_by_email,
    find_person_by_email,
    list_people,
    names_by_email,
    normalise_email,
    record_login,
    session_account,
)
from .cycles import (  # noqa: F401
    create_cycle,
    get_cycle,
    list_cycles,
    open_cycle,
    open_cycles,
)
from .facts import (  # noqa: F401
    add_fact_value,
    attest_facts,
    current_fact_values,
    delegated_facts,
    fact_categories,
    fact_history,
    get_person,
    latest_attestation,
    list_delegations,
    previous_fact_values,
    set_delegation,
    submitted_responses,
)
from .invitations import (  # noqa: F401
    add_invitation_token,
    drop_stash,
    ensure_account,
    executives,
    find_invitation_by_token_hash,
    get_or_create_invitation,
    invitations_in_cycle,
    list_mail,
    mark_invitation_completed,
    stash_answers,
    take_stash,
)
from .respondent import (  # noqa: F401
    CycleState,
    RespondentState,
    ResponseState,
    remember_page,
    respondent_state,
)
from .responses import (  # noqa: F401
    SaveOutcome,
    SubmittedAnswers,
    get_response,
    has_submissions,
    responses_in_cycle,
    save_answers,
    save_answers_by_id,
    start_response,
    submit_response,
    submitted_answers,
)
from .session import AnySession  # noqa: F401
from .snapshots import add_snapshot, latest_snapshot  # noqa: F401
from .tokens import add_token, list_tokens, revoke_token  # noqa: F401
from .training import (  # noqa: F401
    add_session,
    assign,
    completed_modules,
    get_session,
    list_sessions,
)
