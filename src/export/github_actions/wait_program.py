# Written by pipec once into a workflow's env (PIPEC_WAIT_PROGRAM) and run by
# steps as `python3 -c "$PIPEC_WAIT_PROGRAM"` with their data in the step's
# PIPEC_WAIT_CONFIG (JSON), which names windows and alarms by id; each is
# written once, in the workflow's PIPEC_WAIT_DATA (JSON).
# mode "gates": wait until every window is open and every blocker alarm is
# quiet at the same moment, failing after "seconds". mode "bake": for
# "seconds", fail as soon as a rollback alarm fires (0 seconds: check once).
import datetime, json, os, subprocess, sys, time, zoneinfo

C = json.loads(os.environ["PIPEC_WAIT_CONFIG"])
DATA = json.loads(os.environ["PIPEC_WAIT_DATA"])
C["windows"] = [DATA["windows"][i] for i in C["windows"]]
C["alarms"] = [DATA["alarms"][i] for i in C["alarms"]]


def states(names, region):
    command = ["aws", "cloudwatch", "describe-alarms", "--output", "json",
               "--alarm-types", "MetricAlarm", "CompositeAlarm", "--alarm-names", *names]
    if region:
        command += ["--region", region]
    found = {}
    out = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    for kind in ("MetricAlarms", "CompositeAlarms"):
        for alarm in out.get(kind, []):
            found[alarm["AlarmName"]] = alarm["StateValue"]
    missing = sorted(set(names) - set(found))
    if missing:
        # An alarm that cannot be read guards nothing: stop rather than pass.
        print(f"::error::alarms not found in {region or 'the default region'}: {', '.join(missing)}")
        sys.exit(1)
    return found


def holds(node, found):
    kind = node[0]
    if kind == "state":
        return found[node[2]] == node[1]
    if kind == "const":
        return node[1]
    if kind == "not":
        return not holds(node[1], found)
    if kind == "and":
        return all(holds(child, found) for child in node[1:])
    return any(holds(child, found) for child in node[1:])


def firing(alarm):
    regions = C["regions"] or [None]
    return [region or "default" for region in regions
            if holds(alarm["tree"], states(alarm["names"], region) if alarm["names"] else {})]


def window_open(window):
    now = datetime.datetime.now(zoneinfo.ZoneInfo(window["zone"]))
    minute = now.strftime("%H:%M")
    return now.date().isoformat() not in window["closed"] and any(
        now.isoweekday() in slot["days"] and slot["start"] <= minute < slot["end"]
        for slot in window["allow"])


def blocked():
    why = [f"window {w['id']} is closed" for w in C["windows"] if not window_open(w)]
    for alarm in C["alarms"]:
        regions = firing(alarm)
        if regions:
            why.append(f"alarm {alarm['id']} is in ALARM in {', '.join(regions)}")
    return why


start = time.time()
if C["mode"] == "gates":
    while True:
        why = blocked()
        if not why:
            print("every gate passes")
            break
        if time.time() - start >= C["seconds"]:
            print("::error::still blocked: " + "; ".join(why) + ". Re-run this job to wait again.")
            sys.exit(1)
        print("waiting: " + "; ".join(why), flush=True)
        time.sleep(60)
else:
    while True:
        for alarm in C["alarms"]:
            regions = firing(alarm)
            if regions:
                print(f"::error::rollback alarm {alarm['id']} is in ALARM in {', '.join(regions)}")
                sys.exit(1)
        left = C["seconds"] - (time.time() - start)
        if left <= 0:
            print("baked")
            break
        print(f"baking, {int(left)} s left", flush=True)
        time.sleep(min(60, left))
