"""case desk: the general procedure's steps, documents, templates, numbering and e-service links

Revision ID: 0024_case_desk
Revises: 0023_inspection_amendments
"""
from alembic import op
import sqlalchemy as sa


revision = "0024_case_desk"
down_revision = "0023_inspection_amendments"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("number", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("party", sa.JSON(), nullable=True))
        b.add_column(sa.Column("source_kind", sa.String(length=16), nullable=True))
        b.add_column(sa.Column("source_ref", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("discovered_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("handler_ids", sa.JSON(), nullable=True))
        b.add_column(sa.Column("major", sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column("place_text", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("violated_at", TZ, nullable=True))
        b.add_column(sa.Column("decision_extended_to", sa.Date(), nullable=True))
        b.add_column(sa.Column("closure_due", sa.Date(), nullable=True))
        b.add_column(sa.Column("archived_at", TZ, nullable=True))
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=96), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", TZ, nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_documents_case_id_cases")),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_case_documents_jurisdiction_id_jurisdictions")),
        sa.ForeignKeyConstraint(["made_by_id"], ["officers.id"], name=op.f("fk_case_documents_made_by_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
        sa.UniqueConstraint("jurisdiction_id", "number", name=op.f("uq_case_documents_jurisdiction_id")),
    )
    op.create_index(op.f("ix_case_documents_case_id"), "case_documents", ["case_id"], unique=False)
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_steps_case_id_cases")),
        sa.ForeignKeyConstraint(["actor_id"], ["officers.id"], name=op.f("fk_case_steps_actor_id_officers")),
        sa.ForeignKeyConstraint(["document_id"], ["case_documents.id"], name=op.f("fk_case_steps_document_id_case_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
    )
    op.create_index(op.f("ix_case_steps_case_id"), "case_steps", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_steps_kind"), "case_steps", ["kind"], unique=False)
    op.create_table(
        "document_sequences",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_document_sequences_jurisdiction_id_jurisdictions")),
        sa.PrimaryKeyConstraint("jurisdiction_id", "kind", "year", name=op.f("pk_document_sequences")),
    )
    op.create_table(
        "document_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["officers.id"], name=op.f("fk_document_templates_created_by_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_templates")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_document_templates_kind")),
    )
    op.create_index(op.f("ix_document_templates_kind"), "document_templates", ["kind"], unique=False)
    op.create_table(
        "service_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("opened_at", TZ, nullable=True),
        sa.Column("opened_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_service_links_case_id_cases")),
        sa.ForeignKeyConstraint(["document_id"], ["case_documents.id"], name=op.f("fk_service_links_document_id_case_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_service_links_token_hash")),
    )
    op.create_index(op.f("ix_service_links_case_id"), "service_links", ["case_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_service_links_case_id"), table_name="service_links")
    op.drop_table("service_links")
    op.drop_index(op.f("ix_document_templates_kind"), table_name="document_templates")
    op.drop_table("document_templates")
    op.drop_table("document_sequences")
    op.drop_index(op.f("ix_case_steps_kind"), table_name="case_steps")
    op.drop_index(op.f("ix_case_steps_case_id"), table_name="case_steps")
    op.drop_table("case_steps")
    op.drop_index(op.f("ix_case_documents_case_id"), table_name="case_documents")
    op.drop_table("case_documents")
    with op.batch_alter_table("cases") as b:
        for col in ("archived_at", "closure_due", "decision_extended_to", "violated_at", "place_text", "major", "handler_ids",
                    "discovered_on", "source_ref", "source_kind", "party", "number"):
            b.drop_column(col)
