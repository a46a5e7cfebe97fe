"""The console's live layer (在岗人员): the officers on patrol now, where their phone last said
they were and how long ago, with the phone's queue and battery. It reads the patrols and the
device health the sync wrote; it never writes."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..auth.models import Device
from ..extensions import db
from ..models_base import utcnow
from ..patrols.models import Patrol, PatrolFixBatch
from ..patrols.packing import to_fixes, unpack
from ..patrols.service import batches_of
from ..sync.models import DeviceHealth
from .common import _scoped

# a patrol left open on a phone that went quiet is not "on duty" for ever
LIVE_WITHIN = timedelta(hours=12)


def live_officers(jurisdiction_id: int | None) -> list[dict[str, Any]]:
    """One row per officer on an open patrol: the last fix (lat, lon, at, age_s, accuracy),
    the patrol, its partners, and the phone's queue and battery as it last said them."""
    now = utcnow()
    patrols = list(db.session.scalars(_scoped(
        select(Patrol).where(Patrol.status == "active", Patrol.started_at >= now - LIVE_WITHIN), Patrol.jurisdiction_id, jurisdiction_id)))
    if not patrols:
        return []
    health = {d: h for h, d in db.session.execute(
        select(DeviceHealth, Device.device_id).join(Device, Device.id == DeviceHealth.device_pk)
        .where(Device.device_id.in_({p.device_id for p in patrols})))}
    out: list[dict[str, Any]] = []
    for p in patrols:
        last = db.session.scalars(select(PatrolFixBatch).where(*batches_of(p))  # its months' partitions only
                                  .order_by(PatrolFixBatch.t_end.desc()).limit(1)).first()
        fix = to_fixes(unpack(last.data))[-1] if last is not None else None
        h = health.get(p.device_id)
        at = last.t_end if last is not None else p.started_at
        names = [o.name for o in p.officers]
        for o in p.officers:
            out.append({
                "username": o.username, "name": o.name, "patrol_id": p.id, "with": [n for n in names if n != o.name],
                "lat": fix.lat if fix else None, "lon": fix.lon if fix else None, "accuracy": fix.accuracy if fix else None,
                "at": at.isoformat(), "age_s": round((now - at).total_seconds()),
                "queue_depth": h.queue_depth if h else None, "battery": h.battery if h else None,
                "last_sync_at": h.last_sync_at.isoformat() if h else None,
            })
    return sorted(out, key=lambda r: r["age_s"])
