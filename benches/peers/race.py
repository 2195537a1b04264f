#!/usr/bin/env python3
"""pipec against Jsonnet on the same work.

The workload is the sample's chain, N times over: an org template
(examples/sample/org.pipe), a team template that extends it
(examples/sample/team/service.pipe), and N service pipelines like
examples/sample/services/orders_api.pipe, each over the 34 regions of
std/aws in five waves, with one-box and per-AZ steps: 126 steps per
pipeline. The same pipelines are written in Jsonnet, with the same
inheritance (an org object, a team object extending it, a service object
extending that) and the region registry as data.

    race.py generate N DIR     write DIR/pipe/ and DIR/jsonnet/
    race.py same N PIPEC PY    write N pipelines both ways, compile both and
                               compare them step by step
    race.py race [options]     time pipec against go-jsonnet and C++
                               jsonnet, alternately, and the floors

`same` and `race` need PY: a Python with the PyPI packages `gojsonnet` and
`jsonnet` (benches/peers/requirements.txt); benches/peers/run sets one up
in .cache/py-peers and runs the race. This file itself needs only the
standard library.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "examples", "sample")
TODAY = "2026-11-23"


def default_pipec():
    """The release pipec that `cargo build --release` writes: under
    CARGO_TARGET_DIR when it is set (a relative one from the repository's
    root, where benches/peers/run runs cargo), else under target/."""
    target = os.environ.get("CARGO_TARGET_DIR") or "target"
    return os.path.join(ROOT, target, "release", "pipec")


def service_name(index):
    return f"service_{index:05d}"


def camel(index):
    return f"Service{index:05d}_"


# ---------------------------------------------------------------------------
# The workload


def aws_regions():
    """The regions of std/aws, in registry order: code, traffic tier, AZ ids."""
    text = open(os.path.join(ROOT, "stdlib", "aws.pipe"), encoding="utf-8").read()
    regions = []
    for match in re.finditer(r"^\s*region ([a-z0-9-]+)\s+\{([^}]*)\}", text, re.M):
        body = match.group(2)
        traffic = re.search(r"traffic\s*=\s*(\w+)", body).group(1)
        azs = re.search(r"azs\s*=\s*\[([^\]]*)\]", body).group(1)
        regions.append(
            {
                "code": match.group(1),
                "traffic": traffic,
                "azs": [az.strip() for az in azs.split(",") if az.strip()],
            }
        )
    return regions


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def generate_pipe(n, root):
    """The .pipe workspace: the sample's org and team, and n services."""
    os.makedirs(root, exist_ok=True)
    shutil.copy(os.path.join(SAMPLE, "org.pipe"), os.path.join(root, "org.pipe"))
    os.makedirs(os.path.join(root, "team"), exist_ok=True)
    shutil.copy(
        os.path.join(SAMPLE, "team", "service.pipe"),
        os.path.join(root, "team", "service.pipe"),
    )
    write(os.path.join(root, "pipec.toml"), "")
    service = open(
        os.path.join(SAMPLE, "services", "orders_api.pipe"), encoding="utf-8"
    ).read()
    for index in range(n):
        text = (
            service.replace("pipeline orders_api", f"pipeline {service_name(index)}")
            .replace("orders-api", f"service-{index:05d}")
            .replace("OrdersApi_", camel(index))
        )
        write(os.path.join(root, "services", f"{service_name(index)}.pipe"), text)


# The org and team templates in Jsonnet. Steps are built the way pipec
# builds them (docs/plan-format.md): pre-production stages region by
# region, a one-box before each production region, a region deployed AZ by
# AZ in a wave `by az`, a bake closing each wave; waves take regions from
# the registry in order, skipping those earlier waves placed.
ORG_LIBSONNET = r"""
// Written for speed: every field of the pipeline is read once into a
// local (C++ jsonnet does not cache object fields), ids are built with
// `+` rather than `%` (std.format is slow in both implementations), and
// step objects are written out whole rather than merged.
local aws = import 'aws.libsonnet';

local pick(placed, wave) =
  if std.objectHas(wave, 'codes') then
    [r for code in wave.codes for r in aws.regions if r.code == code]
  else
    // Sets as objects: std.member is slow in C++ jsonnet.
    local taken = { [code]: true for code in placed };
    local free = [r for r in aws.regions if !std.objectHas(taken, r.code)];
    local tiers = if std.objectHas(wave, 'traffic') then { [tier]: true for tier in wave.traffic } else {};
    local chosen = if std.objectHas(wave, 'traffic') then [r for r in free if std.objectHas(tiers, r.traffic)] else free;
    if std.objectHas(wave, 'take') then chosen[:wave.take] else chosen;

local stage_steps(stage, after) =
  local name = stage.name;
  local onebox = std.objectHas(stage, 'onebox_bake');
  local per_region = [
    local base = name + '/' + region;
    if onebox then [
      { id: base + '/onebox/deploy', kind: 'deploy', needs: after, target: { stage: name, region: region, onebox: true } },
      { id: base + '/onebox/bake', kind: 'bake', needs: [base + '/onebox/deploy'], target: { stage: name, region: region, onebox: true },
        bake: { duration_seconds: stage.onebox_bake } },
      { id: base + '/deploy', kind: 'deploy', needs: [base + '/onebox/bake'], target: { stage: name, region: region } },
    ] else [
      { id: base + '/deploy', kind: 'deploy', needs: after, target: { stage: name, region: region } },
    ]
    for region in stage.regions
  ];
  local deploys = [name + '/' + region + '/deploy' for region in std.sort(stage.regions)];
  local tests = [
    { id: name + '/test/' + test, kind: 'test', needs: deploys, target: { stage: name } }
    for test in stage.tests
  ];
  { steps: std.flattenArrays(per_region) + tests, last: [t.id for t in tests] };

local wave_steps(alarms, wave, regions, after) =
  local name = wave.name;
  local by_az = std.objectHas(wave, 'by_az') && wave.by_az;
  local per_region = [
    local base = 'production/' + name + '/' + region.code;
    local azs = region.azs;
    [
      { id: base + '/onebox/deploy', kind: 'deploy', needs: after,
        target: { stage: 'production', wave: name, region: region.code, onebox: true }, rollback_alarm: alarms.onebox },
      { id: base + '/onebox/bake', kind: 'bake', needs: [base + '/onebox/deploy'],
        target: { stage: 'production', wave: name, region: region.code, onebox: true },
        bake: { duration_seconds: alarms.onebox_bake }, rollback_alarm: alarms.onebox },
    ] + (
      if by_az then [
        { id: base + '/az/' + azs[i] + '/deploy', kind: 'deploy',
          needs: [if i == 0 then base + '/onebox/bake' else base + '/az/' + azs[i - 1] + '/deploy'],
          target: { stage: 'production', wave: name, region: region.code, az: azs[i] }, rollback_alarm: alarms.high }
        for i in std.range(0, std.length(azs) - 1)
      ] else [
        { id: base + '/deploy', kind: 'deploy', needs: [base + '/onebox/bake'],
          target: { stage: 'production', wave: name, region: region.code }, rollback_alarm: alarms.high },
      ]
    )
    for region in regions
  ];
  local lasts = [r[std.length(r) - 1].id for r in per_region];
  local bake = { id: 'production/' + name + '/bake', kind: 'bake', needs: lasts,
                 target: { stage: 'production', wave: name },
                 bake: { duration_seconds: wave.bake }, rollback_alarm: alarms.high };
  { steps: std.flattenArrays(per_region) + [bake], last: [bake.id] };

{
  service:: error 'abstract: service',
  high_severity_alarms:: error 'abstract: alarm high_severity',
  onebox_alarms:: error 'abstract: alarm onebox',
  onebox_bake_seconds:: 3600,
  sources:: [],
  builds:: [],
  stages:: [],
  waves:: [],

  steps::
    local high = std.join(' OR ', ['ALARM("' + name + '")' for name in self.high_severity_alarms]);
    local alarms = {
      high: high,
      onebox: std.join(' OR ', [high] + ['ALARM("' + name + '")' for name in $.onebox_alarms]),
      onebox_bake: $.onebox_bake_seconds,
    };
    local sources = [{ id: 'source/' + s, kind: 'source', needs: [], target: { stage: 'source' } } for s in self.sources];
    local builds = [
      { id: 'build/' + b.name, kind: 'build', needs: ['source/' + s for s in b.from], target: { stage: 'build' } }
      for b in self.builds
    ];
    local pre = std.foldl(
      function(acc, stage) local out = stage_steps(stage, acc.last); { steps: acc.steps + out.steps, last: out.last },
      self.stages,
      { steps: [], last: [b.id for b in builds] }
    );
    local production = std.foldl(
      function(acc, wave)
        local regions = pick(acc.placed, wave);
        local out = wave_steps(alarms, wave, regions, acc.last);
        { steps: acc.steps + out.steps, last: out.last, placed: acc.placed + [r.code for r in regions] },
      self.waves,
      { steps: [], last: pre.last, placed: [] }
    );
    sources + builds + pre.steps + production.steps,

  plan:: local root = self; { pipeline: root.name, steps: root.steps },
}
"""

TEAM_LIBSONNET = r"""
local org = import 'org.libsonnet';
org {
  sources:: ['code'],
  builds:: [{ name: 'bundle', from: ['code'] }],
  stages:: [
    { name: 'beta', regions: ['us-east-1'], tests: ['integration'] },
    { name: 'gamma', regions: ['us-east-1', 'eu-west-1'], onebox_bake: 1800, tests: ['canary'] },
  ],
  waves:: [
    { name: 'first', traffic: ['low'], take: 1, by_az: true, bake: 12 * 3600 },
    { name: 'second', traffic: ['high'], take: 1, by_az: true, bake: 4 * 3600 },
    { name: 'third', codes: ['us-west-2', 'eu-west-1', 'ap-northeast-1'], bake: 4 * 3600 },
    { name: 'fourth', traffic: ['high', 'medium'], take: 12, bake: 2 * 3600 },
    { name: 'rest', bake: 2 * 3600 },
  ],
}
"""

SERVICE_LIBSONNET = r"""
local team = import '../team.libsonnet';
team {
  name:: '%(name)s',
  service:: '%(service)s',
  high_severity_alarms:: ['%(camel)sHigh_Fault_Rate', '%(camel)sHigh_P99_Latency', '%(camel)sUnhealthy_Hosts', '%(camel)sCanaries_High_Severity'],
  onebox_alarms:: ['%(camel)sOneBox_High_Fault_Rate'],
  stages:: [
    if stage.name == 'gamma' then stage { tests+: ['load'] } else stage
    for stage in super.stages
  ],
  waves:: [
    if wave.name == 'first' then wave { bake: 24 * 3600 } else wave
    for wave in super.waves
  ],
}
"""


def generate_jsonnet(n, root):
    """The same pipelines in Jsonnet: main.jsonnet evaluates to their plans."""
    regions = aws_regions()
    write(os.path.join(root, "aws.libsonnet"), json.dumps({"regions": regions}, indent=1) + "\n")
    write(os.path.join(root, "org.libsonnet"), ORG_LIBSONNET)
    write(os.path.join(root, "team.libsonnet"), TEAM_LIBSONNET)
    imports = []
    for index in range(n):
        name = service_name(index)
        write(
            os.path.join(root, "services", f"{name}.libsonnet"),
            SERVICE_LIBSONNET
            % {"name": name, "service": f"service-{index:05d}", "camel": camel(index)},
        )
        imports.append(f"  (import 'services/{name}.libsonnet').plan,")
    write(os.path.join(root, "main.jsonnet"), "[\n" + "\n".join(imports) + "\n]\n")


def generate(n, root):
    if os.path.exists(root):
        shutil.rmtree(root)
    generate_pipe(n, os.path.join(root, "pipe"))
    generate_jsonnet(n, os.path.join(root, "jsonnet"))


# ---------------------------------------------------------------------------
# The same steps


def steps(plan, alarm=lambda step: step.get("rollback_alarm")):
    """What the race compares of each step; `alarm` gives a step's rollback
    alarm expression (pipec's plans name it by id in their `alarms`)."""
    return [
        (
            step["id"],
            step["kind"],
            step["target"].get("region"),
            step["target"].get("az"),
            step["target"].get("onebox", False),
            step.get("bake", {}).get("duration_seconds"),
            alarm(step),
            tuple(sorted(step["needs"])),
        )
        for step in plan["steps"]
    ]


def pipec_steps(plan):
    """pipec's steps, each bake's parameters put in place: from plan format
    1.3 on a step names them by number in the plan's `parameters`."""
    alarms = {alarm["id"]: alarm["alarm"] for alarm in plan["alarms"]}
    bakes = plan.get("parameters", {}).get("bake", [])

    def whole(step):
        if isinstance(step.get("bake"), int):
            return dict(step, bake=bakes[step["bake"]])
        return step

    return steps(
        {"steps": [whole(step) for step in plan["steps"]]},
        lambda step: alarms.get(step.get("rollback_alarm")),
    )


def compare(pipec_plans, jsonnet_plans):
    """Problems, if the two do not describe the same steps."""
    if isinstance(pipec_plans, dict):
        pipec_plans = [pipec_plans]
    problems = []
    if len(pipec_plans) != len(jsonnet_plans):
        return [f"{len(pipec_plans)} plans from pipec, {len(jsonnet_plans)} from Jsonnet"]
    for ours, theirs in zip(pipec_plans, jsonnet_plans):
        if ours["pipeline"] != theirs["pipeline"]:
            problems.append(f"pipeline {ours['pipeline']} against {theirs['pipeline']}")
            continue
        a, b = pipec_steps(ours), steps(theirs)
        if a != b:
            for x, y in zip(a, b):
                if x != y:
                    problems.append(f"{ours['pipeline']}: pipec {x} / Jsonnet {y}")
                    break
            else:
                problems.append(f"{ours['pipeline']}: {len(a)} steps against {len(b)}")
    return problems


# ---------------------------------------------------------------------------
# Running and timing

JSONNET_DRIVER = (
    "import sys, importlib\n"
    "module = importlib.import_module(sys.argv[1])\n"
    "text = module.evaluate_file(sys.argv[2])\n"
    "open(sys.argv[3], 'w').write(text)\n"
)


class Measured:
    def __init__(self, wall, cpu, peak_kib):
        self.wall, self.cpu, self.peak_kib = wall, cpu, peak_kib


TIME = "/usr/bin/time"


def measure(argv, stdout=None, cwd=None):
    """Runs argv; its wall time, CPU time (user + system) and peak RSS.

    CPU and peak memory come from /usr/bin/time when it is there, since a
    child's own peak as wait4 reports it includes the memory of this
    process, which it was forked from; without it, they come from wait4.
    """
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    timed = os.path.exists(TIME)
    with tempfile.NamedTemporaryFile() as report, tempfile.TemporaryFile() as errors:
        # Standard error goes to a file: a pipe nobody reads until the end
        # would stop a chatty process.
        command = [TIME, "-o", report.name, "-f", "%U %S %M", *argv] if timed else argv
        try:
            begun = time.perf_counter()
            process = subprocess.Popen(command, stdout=out, stderr=errors, cwd=cwd)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - begun
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout:
                out.close()
        errors.seek(0)
        error = errors.read().decode(errors="replace")
        if process.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({process.returncode}):\n{error[-2000:]}")
        if timed:
            user, system, peak = open(report.name, encoding="utf-8").read().split()[-3:]
            return Measured(wall, float(user) + float(system), int(peak))
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


class Contenders:
    def __init__(self, pipec, python, work):
        self.pipec, self.python, self.work = pipec, python, work

    def pipec_compile(self):
        return measure(
            [self.pipec, "compile", "pipe/services", "--today", TODAY, "--quiet"],
            stdout=os.path.join(self.work, "pipec.json"),
            cwd=self.work,
        )

    def pipec_check(self):
        return measure(
            [self.pipec, "check", "pipe", "--today", TODAY, "--quiet"], cwd=self.work
        )

    def jsonnet(self, module):
        return measure(
            [
                self.python,
                "-c",
                JSONNET_DRIVER,
                module,
                "jsonnet/main.jsonnet",
                f"{module}.json",
            ],
            cwd=self.work,
        )

    def cat(self, inputs, output=None):
        return measure(["cat", *inputs], stdout=output, cwd=self.work)


def pipe_inputs(work):
    found = []
    for base, _, files in os.walk(os.path.join(work, "pipe")):
        found.extend(os.path.join(base, name) for name in files if name.endswith(".pipe"))
    return sorted(found)


def jsonnet_inputs(work):
    found = []
    for base, _, files in os.walk(os.path.join(work, "jsonnet")):
        found.extend(os.path.join(base, name) for name in files)
    return sorted(found)


MODULES = {"go-jsonnet": "_gojsonnet", "C++ jsonnet": "_jsonnet"}
# Who races, in the order of each round; `--skip` takes these names.
CONTENDERS = ("pipec compile", "pipec check", *MODULES, "cat inputs", "cat plans")


def same(work, pipec, python, skip=()):
    contenders = Contenders(pipec, python, work)
    contenders.pipec_compile()
    ours = json.load(open(os.path.join(work, "pipec.json"), encoding="utf-8"))
    for name, module in MODULES.items():
        if name in skip:
            continue
        contenders.jsonnet(module)
        theirs = json.load(open(os.path.join(work, f"{module}.json"), encoding="utf-8"))
        problems = compare(ours, theirs)
        if problems:
            sys.exit(f"{module} and pipec differ:\n" + "\n".join(problems[:10]))
    count = len(ours) if isinstance(ours, list) else 1
    steps = sum(len(plan["steps"]) for plan in (ours if isinstance(ours, list) else [ours]))
    peers = " = ".join(name for name in MODULES if name not in skip)
    if peers:
        print(f"same steps: {count} pipelines, {steps} steps, pipec = {peers}", flush=True)
    else:
        print(f"{count} pipelines, {steps} steps; no peer raced, none compared", flush=True)


def race(args):
    pipec = os.path.abspath(args.pipec)
    args.python = os.path.abspath(args.python)
    for n in args.n:
        work = tempfile.mkdtemp(prefix=f"pipec-peers-{n}-")
        try:
            generate(n, work)
            same(work, pipec, args.python, set(args.skip or []))
            contenders = Contenders(pipec, args.python, work)
            inputs = pipe_inputs(work)
            runs = {
                "pipec compile": contenders.pipec_compile,
                "pipec check": contenders.pipec_check,
                "go-jsonnet": lambda: contenders.jsonnet("_gojsonnet"),
                "C++ jsonnet": lambda: contenders.jsonnet("_jsonnet"),
                "cat inputs": lambda: contenders.cat(inputs),
                "cat plans": lambda: contenders.cat(
                    ["pipec.json"], os.path.join(work, "copy.json")
                ),
            }
            assert tuple(runs) == CONTENDERS
            skip = set(args.skip or [])
            results = {name: [] for name in runs if name not in skip}
            # Alternating rounds: a slow moment of the shared machine falls
            # on every contender of a round alike. Before each run the
            # inputs and the plans are read once, untimed: go-jsonnet's
            # memory (17 GB at 10,000 pipelines) pushes them out of the page
            # cache, and whoever ran next would read them from disk.
            warm = inputs + [os.path.join(work, "pipec.json")] + jsonnet_inputs(work)
            for _ in range(args.rounds):
                for name in results:
                    for start in range(0, len(warm), 2000):
                        contenders.cat(warm[start : start + 2000])
                    results[name].append(runs[name]())
            report(n, results, os.path.getsize(os.path.join(work, "pipec.json")))
        finally:
            shutil.rmtree(work, ignore_errors=True)


def report(n, results, plan_bytes):
    sys.stdout.flush()
    print(f"\n{n} pipelines, {plan_bytes / n / 1000:.1f} KB of plan per pipeline, "
          f"{len(next(iter(results.values())))} alternating rounds (medians)")
    print(f"{'':16}{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}")
    median = {}
    for name, runs in results.items():
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        peak = max(r.peak_kib for r in runs) / 1024
        median[name] = (wall, cpu)
        print(f"{name:16}{wall:9.3f}{cpu:9.3f}{peak:10.1f}")

    def ratio(slow, fast):
        if slow not in results or fast not in results:
            return
        # Paired: each round's ratio, then their median.
        walls = [a.wall / b.wall for a, b in zip(results[slow], results[fast])]
        line = f"  {slow} / {fast}: wall {statistics.median(walls):.1f}x"
        # CPU times are counted in hundredths of a second: below a few,
        # a ratio means nothing.
        if all(b.cpu >= 0.05 for b in results[fast]):
            cpus = [a.cpu / b.cpu for a, b in zip(results[slow], results[fast])]
            line += f", cpu {statistics.median(cpus):.1f}x"
        print(line)

    print("ratios (paired by round):")
    for peer in ("go-jsonnet", "C++ jsonnet"):
        ratio(peer, "pipec compile")
        ratio(peer, "pipec check")
    ratio("pipec compile", "cat plans")
    ratio("pipec check", "cat inputs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("n", type=int)
    gen.add_argument("dir")
    check = commands.add_parser("same")
    check.add_argument("n", type=int)
    check.add_argument("pipec")
    check.add_argument("python")
    run = commands.add_parser("race")
    run.add_argument("--pipec", default=default_pipec())
    run.add_argument("--python", required=True)
    run.add_argument("--n", type=int, nargs="+", default=[1000])
    run.add_argument("--rounds", type=int, default=3)
    # A misspelt name is refused rather than raced: leaving out the wrong
    # one could mean an hour of C++ jsonnet.
    run.add_argument(
        "--skip",
        nargs="*",
        choices=CONTENDERS,
        metavar="NAME",
        help="contenders to leave out, e.g. 'C++ jsonnet': " + ", ".join(CONTENDERS),
    )
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.n, args.dir)
    elif args.command == "same":
        work = tempfile.mkdtemp(prefix="pipec-peers-same-")
        try:
            generate(args.n, work)
            same(work, os.path.abspath(args.pipec), os.path.abspath(args.python))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    else:
        race(args)


if __name__ == "__main__":
    main()
