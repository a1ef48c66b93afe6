"""Sphinx configuration of the skperceptron documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html``; neither the
build nor the built site needs network access: MathJax is bundled
(sphinx-mathjax-offline) and no page loads an external script.
"""

import os
import re

import skperceptron

# Gallery examples read this to train on small data, so that the build is quick.
os.environ.setdefault("SKPERCEPTRON_EXAMPLE_SMALL", "1")

project = "skperceptron"
author = "skperceptron developers"
copyright = "2026, skperceptron developers"
release = skperceptron.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # A copy of MathJax in _static, instead of a CDN.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# sg_execution_times.rst: left by builds that wrote computation times.
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "README.md",
    "sg_execution_times.rst",
]
root_doc = "index"

# -- API reference ------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# autosummary lists the methods; numpydoc would list them a second time.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Docstrings in scikit-learn's style use :term: for entries of scikit-learn's
# glossary, and the methods inherited from scikit-learn (score, get_params,
# set_fit_request, ...) also use :ref: for sections of its user guide. This site
# has neither: the sections these docstrings cite link to scikit-learn's pages,
# and any other such role is rendered as its text.
_TERM_ROLE = re.compile(r":term:`([^`<]*?)\s*(?:<[^`>]*>)?`")
_REF_OR_TERM_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`")
_SKLEARN_REF = re.compile(r":ref:`([^`<]*?)\s*<([^`>]*)>`")
_SKLEARN_PAGES = {
    "metadata_routing": "metadata_routing.html",
    "visualizing_composite_estimators": "modules/compose.html"
    "#visualizing-composite-estimators",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
}


def _link_sklearn_ref(match):
    text, label = match.groups()
    page = _SKLEARN_PAGES.get(label)
    if page is None:
        return match.group(0)
    return f"`{text} <https://scikit-learn.org/stable/{page}>`__"


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    """Link or unlink references to scikit-learn's glossary and user guide."""
    from_sklearn = getattr(obj, "__module__", "").startswith("sklearn.")
    role = _REF_OR_TERM_ROLE if from_sklearn else _TERM_ROLE
    if from_sklearn:
        lines[:] = [_SKLEARN_REF.sub(_link_sklearn_ref, line) for line in lines]
    lines[:] = [role.sub(r"\1", line) for line in lines]


def setup(app):
    """Register the hooks of this configuration."""
    # Before numpydoc (priority 500) parses the docstring.
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles, priority=100)


# -- Gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every plot_* example runs at build time, on small data (see
    # SKPERCEPTRON_EXAMPLE_SMALL above), and shows its figures and output; the
    # distributed one (it starts a Dask cluster) is shown with its code only.
    "filename_pattern": r"/plot_",
    "doc_module": ("skperceptron",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    # The computation-times page loads DataTables from a CDN: the site must
    # work offline.
    "write_computation_times": False,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skperceptron {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = True
html_css_files = ["custom.css"]
# Pages without sub-pages need no section navigation.
html_sidebars = {
    page: []
    for page in "index drop_in api internals benchmarks scaling changes".split()
}
