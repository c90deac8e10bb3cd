"""The model layer: NumPy, shapely, pyproj and QtCore only. No widgets, no drawing.

A test imports this package in a subprocess in which QtWidgets, QtGui and pyqtgraph cannot be
imported, so nothing here may depend on them.
"""

from .atlas_model import AtlasModel, SelectMode
from .filters import (
    All,
    And,
    BBox,
    Categories,
    DateRange,
    Filter,
    HasCoordinates,
    InView,
    MinConfidence,
    Not,
    Or,
    Text,
    Within,
    find_part,
    replace_part,
)
from .selection import Selection
from .table import CATEGORICAL_FIELDS, CONFIDENCE_LEVELS, Categorical, EventTable

__all__ = [
    "All", "And", "AtlasModel", "BBox", "CATEGORICAL_FIELDS", "CONFIDENCE_LEVELS", "Categorical",
    "Categories", "DateRange", "EventTable", "Filter", "HasCoordinates", "InView", "MinConfidence",
    "Not", "Or", "SelectMode", "Selection", "Text", "Within", "find_part", "replace_part",
]
