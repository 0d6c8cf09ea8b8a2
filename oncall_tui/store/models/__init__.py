"""Every table of the product.  Screens never import this; services do."""
from .availability import Availability, CalendarSource
from .base import BaseModel, JSONField, UTCDateTimeField, Versioned, database
from .calendar_out import EntryStamp, FeedSecret
from .delivery import CalDAVAccount, MailServer
from .ops import AuditLog, ChangeCounter, Meta, Outbox
from .people import ApiToken, EscalationContact, Membership, PastMembership, Person, Team
from .planning import Assignment, Plan, Rotation, Slot
from .readiness import Requirement, RequirementStatus
from .swaps import Cover, SwapOffer, SwapRequest

ALL_MODELS = [
    Meta, Person, Team, Membership, PastMembership, EscalationContact, ApiToken,
    Rotation, Slot, Plan, Assignment,
    Requirement, RequirementStatus,
    CalendarSource, Availability,
    SwapRequest, SwapOffer, Cover,
    AuditLog, Outbox, ChangeCounter,
    EntryStamp, FeedSecret,
    MailServer, CalDAVAccount,
]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS", "BaseModel", "JSONField", "UTCDateTimeField", "Versioned", "database",
]
