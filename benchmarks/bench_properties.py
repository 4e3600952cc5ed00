"""Property checks: one catalogue cell per statement family, as the audit and the property
tests run them (the ``ci`` profile's first cell). Statement IDs chosen one per family, so a
regression in any family's measurement code shows up here."""
from overparam_verify.catalogue import registry

IDS = ["ZCZG-setup.forward", "ZCZG-A.1", "ZCZG-A.8", "ZCZG-B.3", "ZCZG-descent", "NG-PL", "AZLS-resnet"]


class CatalogueCell:
    params = [IDS]
    param_names = ["statement"]
    timeout = 300

    def setup(self, statement):
        reg = registry()
        if statement not in reg:
            raise NotImplementedError(f"{statement} is not registered")
        self.st = reg[statement]
        cells = self.st.cells("ci")
        if not cells:
            raise NotImplementedError(f"{statement} has no ci cells")
        self.cell = cells[0]

    def time_run_cell(self, statement):
        self.st.run_cell(self.cell)
