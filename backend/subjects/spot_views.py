"""Spot checks (双随机、一公开): the supervisors' endpoints and the public results page."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import request
from flask_smorest import Blueprint
from jinja2 import Environment, select_autoescape

from ..auth.access import current_identity, roles, scope_jurisdiction
from ..pagination import paginate_desc
from . import spot_service as service
from .spot_models import SpotCheckPlan
from .spot_schemas import (
    SpotCheckPlanCreateSchema,
    SpotCheckPlanPageSchema,
    SpotCheckPlanSchema,
    SpotCheckQuerySchema,
    SpotCheckVerifySchema,
)

blp = Blueprint("spot_checks", __name__, url_prefix="/api/v1", description="双随机抽查 · Spot checks (random subjects, random inspectors)")
public_bp = FlaskBlueprint("spot_checks_public", __name__)


@blp.route("/spot-checks", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(SpotCheckPlanCreateSchema)
@blp.response(201, SpotCheckPlanSchema)
def create(args: dict):
    """抽查计划: a plan — what is checked, which subjects may be drawn, how many, when."""
    return service.plan_to_dict(service.create_plan(current_identity(), **args))


@blp.route("/spot-checks", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(SpotCheckQuerySchema, location="query")
@blp.response(200, SpotCheckPlanPageSchema)
def list_plans(args: dict):
    """The street's plans, newest first; `publication_overdue` flags results not published in time."""
    identity = current_identity()
    query = service.list_plans(identity, scope_jurisdiction(identity), args["status"])
    page = paginate_desc(query, [SpotCheckPlan.id], args["limit"], args["cursor"])
    page["items"] = [service.plan_to_dict(p, with_items=False) for p in page["items"]]
    return page


@blp.route("/spot-checks/<int:plan_id>", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, SpotCheckPlanSchema)
def detail(plan_id: int):
    """The plan, its drawn subjects and pairs, their tasks and results."""
    return service.plan_to_dict(service.get_plan(plan_id, current_identity()))


@blp.route("/spot-checks/<int:plan_id>/draw", methods=["POST"])
@roles("supervisor", "admin")
@blp.response(200, SpotCheckPlanSchema)
def draw(plan_id: int):
    """The draw (once): random subjects, a random certified pair for each, a task each."""
    return service.plan_to_dict(service.draw_plan(current_identity(), plan_id))


@blp.route("/spot-checks/<int:plan_id>/verify", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, SpotCheckVerifySchema)
def verify(plan_id: int):
    """Re-run the draw from the recorded inputs and seed: does it give the recorded items?"""
    return service.verify(current_identity(), plan_id)


@blp.route("/spot-checks/<int:plan_id>/publish", methods=["POST"])
@roles("supervisor", "admin")
@blp.response(200, SpotCheckPlanSchema)
def publish(plan_id: int):
    """一公开: publish the results on the public page (kept as published)."""
    return service.plan_to_dict(service.publish(current_identity(), plan_id))


# --- the public page (no login) -------------------------------------------------------

_ENV = Environment(autoescape=select_autoescape(default=True))
_PAGE = _ENV.from_string("""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>“双随机、一公开”抽查结果公示</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:60em;margin:0 auto;padding:.5em 1em}
h1{font-size:1.3em} h2{font-size:1.1em;margin:1.5em 0 .3em} .meta{color:#555;font-size:.9em;margin:0}
ul{list-style:none;padding:0;margin:.5em 0} li{border-top:1px solid #ddd;padding:.5em 0}
.name{font-weight:600} .r{display:inline-block;margin-left:.3em} .muted{color:#777;font-size:.85em;word-break:break-all}</style></head><body>
<h1>“双随机、一公开”抽查结果公示</h1>
<p class="meta">随机抽取检查对象、随机选派执法检查人员，抽查情况及查处结果及时向社会公开。</p>
{% for p in plans %}<section><h2>{{ p.name }}</h2>
<p class="meta">{{ p.agency_name }} · 门类：{{ p.domain }} · 检查期限：{{ p.starts_on }} 至 {{ p.ends_on }} · 抽取对象 {{ p.subjects_drawn }} 户 · 公示日期：{{ p.published_on }}</p>
<ul>{% for r in p.results %}<li><span class="name">{{ r.subject }}</span>（{{ r.kind_zh }}）<br>
<span class="r">检查结果：{{ r.result_zh }}{% if r.reinspection_zh %}，{{ r.reinspection_zh }}{% endif %}</span>
{% if r.inspected_on %}<span class="r">检查日期：{{ r.inspected_on }}</span>{% endif %}</li>{% endfor %}</ul>
<p class="muted">抽取于 {{ p.drawn_on }}；随机种子 {{ p.seed }}；抽取依据摘要（SHA-256）{{ p.inputs_digest }}</p></section>
{% else %}<p>暂无公示的抽查结果。</p>{% endfor %}
</body></html>""")


@public_bp.route("/public/spot-checks")
def public_results():
    """Public: published plans with their results; persons' names masked, no personal data."""
    plans = service.published()
    if request.accept_mimetypes.best == "application/json":
        return {"items": plans, "next": None}
    return _PAGE.render(plans=plans), 200, {"Content-Type": "text/html; charset=utf-8"}
