"""The resident's pages: Chinese, on a phone, no login, no third-party scripts (the CSP allows
only this site's); templates escape everything they print."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select


def streets() -> list[dict[str, Any]]:
    from ..catalog.models import Jurisdiction
    from ..extensions import db

    return [{"code": j.code, "name": j.name} for j in db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.code))]


def float_or_none(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


_STYLE = """<style>body{font:18px/1.6 system-ui,sans-serif;max-width:34em;margin:0 auto;padding:12px;color:#111}
h1{font-size:1.5em;margin:.4em 0}label{display:block;font-weight:bold;margin-top:14px}
input,textarea,select{font:inherit;width:100%;box-sizing:border-box;padding:10px;border:2px solid #333;border-radius:8px}
button{font:inherit;font-weight:bold;min-height:48px;padding:10px 20px;border:0;border-radius:8px;background:#0b57d0;color:#fff;margin-top:16px}
button.secondary{background:#e8eefa;color:#0b3d91;border:2px solid #0b3d91}.err{color:#b00020;font-weight:bold;border:2px solid #b00020;padding:10px;border-radius:8px}
.code{font-size:1.6em;font-weight:bold;letter-spacing:.1em}.hint{color:#333;font-size:.9em}.ok{color:#0a6b2d;font-weight:bold}</style>"""

FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>群众举报</title>""" + _STYLE + """</head><body><main>
<h1>群众举报</h1><p class="hint">向街道（乡镇）综合行政执法队反映占道经营、乱倒垃圾、噪声扰民等问题。提交后会得到查询码，可随时查看处理结果。</p>
{% if error %}<p class="err" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/public/report" enctype="multipart/form-data">
<label for="description">反映的问题（必填）</label>
<textarea id="description" name="description" rows="5" required minlength="5" maxlength="2000">{{ values.get('description', '') }}</textarea>
<label for="address">地点</label><input id="address" name="address" maxlength="255" value="{{ values.get('address', '') }}" placeholder="路名、门牌或附近的店名">
<input type="hidden" id="lat" name="lat" value="{{ values.get('lat', '') }}"><input type="hidden" id="lon" name="lon" value="{{ values.get('lon', '') }}">
<button type="button" class="secondary" id="locate">使用我现在的位置</button> <span id="located" class="hint" aria-live="polite"></span>
<label for="street">所在街道（乡镇）（没有定位时必选）</label>
<select id="street" name="street"><option value="">请选择</option>{% for s in streets %}<option value="{{ s.code }}" {% if values.get('street') == s.code %}selected{% endif %}>{{ s.name }}</option>{% endfor %}</select>
<label for="photos">照片（最多 3 张）</label><input id="photos" name="photos" type="file" accept="image/*" multiple>
<label for="phone">联系电话（必填，仅用于回访，不会公开）</label><input id="phone" name="phone" type="tel" required maxlength="20" value="{{ values.get('phone', '') }}">
<label for="name">称呼（可不填）</label><input id="name" name="name" maxlength="64" value="{{ values.get('name', '') }}">
<button type="submit">提交举报</button></form>
<p class="hint">已有查询码？打开 /public/report/查询码 查看处理结果。</p></main><script src="/public/report.js"></script></body></html>"""

STATUS = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>举报处理结果</title>""" + _STYLE + """</head><body><main>
{% if not view %}<h1>查询码不存在</h1><p>请核对查询码。</p>{% else %}
{% if new %}<p class="ok" role="status">举报已提交。请记下查询码：</p>{% endif %}
<h1>举报处理结果</h1><p>查询码：<span class="code" data-test="report-code">{{ view.code }}</span></p>
<p>受理日期：{{ view.received_on }}</p><p>反映的问题：{{ view.description }}</p>{% if view.address %}<p>地点：{{ view.address }}</p>{% endif %}
<p><b>处理情况：</b><span data-test="report-status">{{ view.text }}</span></p>
{% if view.rating %}<p>您的评价：{{ '★' * view.rating }}</p>{% elif view.can_rate %}
<form method="post" action="/public/report/{{ view.code }}/rating"><fieldset><legend>请对处理结果评价</legend>
{% for n in range(5, 0, -1) %}<label><input type="radio" name="rating" value="{{ n }}" required> {{ '★' * n }}</label>{% endfor %}</fieldset>
<label for="comment">意见（可不填）</label><textarea id="comment" name="comment" rows="3" maxlength="500"></textarea>
<button type="submit">提交评价</button></form>{% endif %}{% endif %}</main></body></html>"""

# the location button: the browser's own geolocation, no map service
SCRIPT = """document.getElementById('locate').addEventListener('click', function () {
  var out = document.getElementById('located');
  if (!navigator.geolocation) { out.textContent = '本机不支持定位，请填写地点并选择街道'; return; }
  out.textContent = '正在定位…';
  navigator.geolocation.getCurrentPosition(function (p) {
    document.getElementById('lat').value = p.coords.latitude.toFixed(6);
    document.getElementById('lon').value = p.coords.longitude.toFixed(6);
    out.textContent = '已定位（精度约 ' + Math.round(p.coords.accuracy) + ' 米）';
  }, function () { out.textContent = '未能定位，请填写地点并选择街道'; }, { enableHighAccuracy: true, timeout: 15000 });
});
"""
