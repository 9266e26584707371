# tests/e2e/workflow.sh: a pythonshell job that sleeps while --flag_file exists
# (at most 120 s), so the test can kill tarn in the middle of it.
import os
import sys
import time

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
flag = args.get("--flag_file", "")
deadline = time.time() + 120
while flag and os.path.exists(flag) and time.time() < deadline:
    time.sleep(0.2)
print("slow job done")
