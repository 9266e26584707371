# The pythonshell script of tests/e2e/job.sh: prints its Glue-style
# arguments, lists the raw bucket through $TARN_BIN (the store is readable),
# fails with a message on stderr when --mode is fail, and sleeps a minute
# when --mode is sleep.
import os
import subprocess
import sys
import time

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
print("greeting=" + args.get("--greeting", ""))
print("job=" + args.get("--JOB_NAME", "") + " run=" + args.get("--JOB_RUN_ID", ""))
listing = subprocess.run([os.environ["TARN_BIN"], "s3", "ls", "s3://e2ejob-raw/in/"],
                         capture_output=True, text=True, check=True)
print("listing: " + listing.stdout.strip())
if args.get("--mode") == "fail":
    sys.stderr.write("the script failed on purpose\n")
    sys.exit(4)
if args.get("--mode") == "sleep":
    time.sleep(60)
