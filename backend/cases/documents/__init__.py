"""General-procedure case documents (文书): default templates, validation, PDF rendering."""
from .render import KINDS, default_templates, render_pdf, validate_template, yuan

__all__ = ["KINDS", "default_templates", "render_pdf", "validate_template", "yuan"]
