"""Imports every feature's models so the metadata (and Alembic) sees all tables."""
from .auth.models import Certificate, Device, DeviceSession, Officer  # noqa: F401
from .catalog.models import DiscretionTier, EmpoweredMatter, Grid, Jurisdiction, Matter, Zone  # noqa: F401
from .subjects.models import Subject  # noqa: F401
from .complaints.models import Complaint, ComplaintPhoto  # noqa: F401
from .subjects.spot_models import SpotCheckItem, SpotCheckPlan  # noqa: F401
from .patrols.models import Inspection, Patrol, PatrolFixBatch, PatrolGrid  # noqa: F401
from .audit.models import AuditChain, AuditEntry  # noqa: F401
from .evidence.models import Media, MediaCitation, MediaUpload  # noqa: F401
from .tickets.models import Ticket, TicketBook, TicketNumber, TicketSequence  # noqa: F401
from .cases.models import Case, CaseEvent, Payment  # noqa: F401
from .sync.models import DeviceHealth, SyncConflict, SyncRecord  # noqa: F401
from .tasks.models import Task, TaskEvent  # noqa: F401
from .reviews.models import Review  # noqa: F401
