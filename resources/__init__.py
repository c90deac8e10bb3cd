"""Icons, the app icon in SVG and PNG sizes, the .desktop file and AppStream metadata.

The folder sits at the project's top level and installs as the package ``atlas.resources``
(pyproject.toml maps it), so the app reads it through importlib.resources both from a checkout
and from an installed wheel (atlas/ui/icons.py).
"""
