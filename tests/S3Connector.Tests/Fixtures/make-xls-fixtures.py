#!/usr/bin/python3
"""Writes libreoffice.xls and libreoffice-password.xls (password "otter") into the folder given.

Run once by hand with Debian's libreoffice-calc-nogui and python3-uno (Debian's /usr/bin/python3, which has the
uno module); the tests read the committed files and never need LibreOffice. NPOI writes the other .xls samples at
test time, but it cannot encrypt, and a second writer's BIFF layout is worth testing against.
"""
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main(out):
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
                               "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                               "--accept=pipe,name=xlsfixtures;urp;"])
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        remote = None
        for _ in range(60):
            try:
                remote = resolver.resolve("uno:pipe,name=xlsfixtures;urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(1)
        desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
        doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, (prop("Hidden", True),))
        sheets = doc.Sheets
        first = sheets.getByIndex(0)
        first.Name = "Harbour"
        first.getCellRangeByName("A1").String = "Seven quiet otters guard the amber harbour."
        first.getCellRangeByName("B1").Value = 42.5
        first.getCellRangeByName("A2").String = "Café crème – 東京"
        first.getCellRangeByName("B2").Formula = "=B1*2"
        sheets.insertNewByName("Tides", 1)
        sheets.getByName("Tides").getCellRangeByName("A1").String = "High water at noon"
        for name, password in (("libreoffice.xls", None), ("libreoffice-password.xls", "otter")):
            args = [prop("FilterName", "MS Excel 97"), prop("Overwrite", True)]
            if password:
                # A document password makes the BIFF8 export encrypt the workbook stream (FILEPASS, RC4).
                args.append(prop("Password", password))
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(os.path.join(out, name))), tuple(args))
        doc.close(True)
        desktop.terminate()
    finally:
        office.wait(timeout=60)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
