"""Interactive views. Each widget's logic is a plain model object that tests
drive without a browser; the ipywidgets UI only calls it. ipywidgets is
imported when a UI is built, not when this package is."""

from .labels import LabelEditorModel, label_editor
from .raft import RaftPlaygroundModel, raft_playground
from .selectors import SelectorExplorerModel, SelectorResult, selector_explorer

__all__ = ["LabelEditorModel", "RaftPlaygroundModel", "SelectorExplorerModel", "SelectorResult", "label_editor",
           "raft_playground", "selector_explorer"]
