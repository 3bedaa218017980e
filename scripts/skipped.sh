#!/usr/bin/env bash
# Prints how many tests the TRX reports (one per test project) count as skipped and why (each distinct reason once,
# with its count).
# usage: skipped.sh RESULTS_DIR
set -uo pipefail
mapfile -t trx < <(find "${1:-TestResults}" -name '*.trx' 2>/dev/null)
[ "${#trx[@]}" -gt 0 ] || exit 0
python3 - "${trx[@]}" <<'PY'
import sys, collections, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
results = [r for path in sys.argv[1:] for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns)]
reasons = collections.Counter()
for r in results:
    if r.get("outcome") == "NotExecuted":
        text = " ".join((m.text or "") for m in r.iterfind(".//t:ErrorInfo/t:Message", ns)) or \
               " ".join((m.text or "") for m in r.iterfind(".//t:StdOut", ns)) or "(no reason given)"
        reasons[" ".join(text.split())[:400]] += 1
total = sum(reasons.values())
print(f"skipped: {total} test(s)")
for reason, n in reasons.most_common():
    print(f"  {n} skipped: {reason}")
PY
