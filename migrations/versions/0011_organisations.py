"""Organisations: every row belongs to one; existing data moves into the first

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00

Every owned table gets ``organisation_id`` (NOT NULL, foreign key to ``organisation``).
Tables whose key becomes per-organisation (cycle, cycle_questionnaire, regime_setting,
audit_entry, audit_head) carry it in their primary key; the others get an index on it.
Rows that refer to a cycle now refer to (organisation_id, cycle_id).

Existing rows go to organisation 1, created here: the column is added with the server default
'1' (cheap on both databases: no UPDATE of every row), and the default is dropped afterwards
so that the schema is exactly the models'.

Order matters on PostgreSQL, where batch mode issues ALTERs: the foreign keys to cycle.id go
before the cycle's primary key changes and come back, as composite keys, after it. On SQLite
batch mode recreates each table (foreign keys are not enforced by this app's connections).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

DEFAULT_ORGANISATION = 1

# Tables that refer to a cycle: their foreign key becomes (organisation_id, cycle_id).
CYCLE_REFERRERS = (
    'cycle_questionnaire',
    'response',
    'invitation',
    'fact_value',
    'fact_attestation',
    'report_snapshot',
)
# Tables with organisation_id in their primary key (no separate index): old key -> new key.
KEYED = {
    'cycle': (['id'], ['organisation_id', 'id']),
    'cycle_questionnaire': (['cycle_id', 'role'], ['organisation_id', 'cycle_id', 'role']),
    'regime_setting': (['regime_id'], ['organisation_id', 'regime_id']),
    'audit_entry': (['id'], ['organisation_id', 'id']),
    'audit_head': (['id'], ['organisation_id']),
}
# Tables that only gain an indexed organisation_id.
INDEXED = (
    'person',
    'account',
    'account_permission',
    'response',
    'answer',
    'invitation',
    'invitation_token',
    'mail',
    'answer_stash',
    'fact_value',
    'fact_attestation',
    'fact_delegation',
    'report_snapshot',
    'training_session',
    'session_attendee',
    'api_token',
)
# Unique constraints that become per organisation: table -> (old columns, new columns).
UNIQUES = {
    'person': (['email'], ['organisation_id', 'email']),
    'fact_value': (['cycle_id', 'fact_id', 'revision'], ['organisation_id', 'cycle_id', 'fact_id', 'revision']),
    'report_snapshot': (['cycle_id', 'version'], ['organisation_id', 'cycle_id', 'version']),
}
OWNED = tuple(KEYED) + INDEXED


def _uq(table, columns):
    return op.f(f'uq_{table}_{columns[0]}')


def _postgres():
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    op.create_table(
        'organisation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=63), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('industry', sa.String(length=80), nullable=True),
        sa.Column('size', sa.String(length=40), nullable=True),
        sa.Column('benchmark_opt_in', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('logo_sha256', sa.String(length=64), nullable=True),
        sa.Column('logo_type', sa.String(length=40), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
        sa.UniqueConstraint('slug', name=op.f('uq_organisation_slug')),
    )
    # Plain SQL, not bulk_insert: it also renders in offline mode (`db upgrade --sql`).
    op.execute(
        "INSERT INTO organisation (id, slug, name, benchmark_opt_in, settings) "
        f"VALUES ({DEFAULT_ORGANISATION}, 'default', 'Our organisation', false, '{{}}')"
    )
    if _postgres():
        # The row was inserted with an explicit id: the next organisation must get 2.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('organisation', 'id'), "
            "(SELECT max(id) FROM organisation))"
        )

    # 1. The column, filled for every existing row by its server default. On SQLite a plain
    #    ADD COLUMN; the table is recreated in step 2 (and a cycle's referrers again in 4).
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(
                'organisation_id', sa.Integer(), server_default=str(DEFAULT_ORGANISATION), nullable=False,
            ))

    # 2. Everything but the cycle's key: foreign keys to cycle.id go first.
    for table in OWNED:
        if table == 'cycle':
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('organisation_id', server_default=None)
            if table in CYCLE_REFERRERS:
                batch_op.drop_constraint(op.f(f'fk_{table}_cycle_id_cycle'), type_='foreignkey')
            if table in UNIQUES:
                old, new = UNIQUES[table]
                batch_op.drop_constraint(_uq(table, old), type_='unique')
                batch_op.create_unique_constraint(_uq(table, new), new)
            if table in KEYED:
                _, new = KEYED[table]
                batch_op.drop_constraint(op.f(f'pk_{table}'), type_='primary')
                if table == 'audit_head':
                    # One head per organisation: the single-organisation head (id 1) is the
                    # default organisation's.
                    batch_op.drop_column('id')
                elif table == 'audit_entry' and _postgres():
                    # Entries are numbered per organisation by the app, not by a sequence.
                    batch_op.alter_column('id', server_default=None)
                batch_op.create_primary_key(op.f(f'pk_{table}'), new)
            else:
                batch_op.create_index(op.f(f'ix_{table}_organisation_id'), ['organisation_id'], unique=False)
            batch_op.create_foreign_key(
                op.f(f'fk_{table}_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'],
            )
    if _postgres():
        op.execute('DROP SEQUENCE IF EXISTS audit_entry_id_seq')

    # 3. The cycle's key becomes (organisation_id, id).
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', server_default=None)
        batch_op.drop_constraint(op.f('pk_cycle'), type_='primary')
        batch_op.create_primary_key(op.f('pk_cycle'), ['organisation_id', 'id'])
        batch_op.create_foreign_key(
            op.f('fk_cycle_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'],
        )

    # 4. Rows refer to their organisation's cycle.
    for table in CYCLE_REFERRERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                op.f(f'fk_{table}_organisation_id_cycle'), 'cycle',
                ['organisation_id', 'cycle_id'], ['organisation_id', 'id'],
            )


def downgrade():
    # Every row goes back to the single-organisation schema; the organisation's own details
    # (name, settings, logo reference) are not kept.
    bind = op.get_bind()
    count = bind.execute(sa.text('SELECT count(*) FROM organisation')).scalar_one()
    if count > 1:
        raise RuntimeError(
            f'{count} organisations exist: a single-organisation schema cannot hold them. '
            'Move or delete all but the first organisation before downgrading.'
        )

    for table in CYCLE_REFERRERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_organisation_id_cycle'), type_='foreignkey')

    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_cycle_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_constraint(op.f('pk_cycle'), type_='primary')
        batch_op.create_primary_key(op.f('pk_cycle'), ['id'])
        batch_op.drop_column('organisation_id')

    # The single-organisation audit head had the id 1; added with a default, dropped below.
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id', sa.Integer(), server_default='1', nullable=False))

    for table in OWNED:
        if table == 'cycle':
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_organisation_id_organisation'), type_='foreignkey')
            if table in KEYED:
                old, _ = KEYED[table]
                batch_op.drop_constraint(op.f(f'pk_{table}'), type_='primary')
                if table == 'audit_head':
                    batch_op.alter_column('id', server_default=None)
                batch_op.create_primary_key(op.f(f'pk_{table}'), old)
            else:
                batch_op.drop_index(op.f(f'ix_{table}_organisation_id'))
            if table in UNIQUES:
                old, new = UNIQUES[table]
                batch_op.drop_constraint(_uq(table, new), type_='unique')
                batch_op.create_unique_constraint(_uq(table, old), old)
            batch_op.drop_column('organisation_id')
            if table in CYCLE_REFERRERS:
                batch_op.create_foreign_key(
                    op.f(f'fk_{table}_cycle_id_cycle'), 'cycle', ['cycle_id'], ['id'],
                )

    if _postgres():
        # Before 0011 both ids were SERIAL columns: give them back their owned sequences.
        for table in ('audit_entry', 'audit_head'):
            sequence = f'{table}_id_seq'
            op.execute(f'CREATE SEQUENCE {sequence} OWNED BY {table}.id')
            op.execute(f"SELECT setval('{sequence}', coalesce(max(id), 0) + 1, false) FROM {table}")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{sequence}'::regclass)")

    op.drop_table('organisation')
