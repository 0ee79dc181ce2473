#!/usr/bin/env bash
# Runs the core planner JMH benchmark (1,000 hosts, 20,000 VMs). Extra arguments go to JMH,
# e.g. `bench/core-planner.sh -wi 1 -i 3` for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -o test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  org.openjdk.jmh.Main 'io.vmha.core.bench.CorePlannerBenchmark' "$@"
