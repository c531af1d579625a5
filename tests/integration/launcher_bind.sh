#!/bin/bash
# Mapping and binding (--map-by, --bind-to, --cpus-per-rank, --report-bindings), the topology
# shared with the ranks through /dev/shm, and MPI_Comm_split_type on hardware resources. The
# expectations are computed from this machine's CPUs, so they hold on any host with >= 2 cores.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

SPLIT=$KURIR_BUILDDIR/tests/integration/progs/split_hw
HWINFO=$KURIR_BUILDDIR/tests/integration/progs/hw_info
unset OMP_NUM_THREADS

# CPUs this test may use, and hardware threads per core (siblings of its first CPU).
count_list() {
    awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { split($i, r, "-");
               n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }'
}
ncpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status | count_list)
first=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
smt=$(count_list </sys/devices/system/cpu/cpu"$first"/topology/thread_siblings_list 2>/dev/null)
smt=${smt:-1}
ncores=$((ncpus / smt))

kr_expect_usage "--bind-to with a bad value lists the choices" \
    "mpirun: --bind-to board: unknown value; valid: none, core, l3cache, numa, socket (or package)" \
    --bind-to board true
kr_expect_usage "--map-by ppr with a bad count" \
    "mpirun: --map-by ppr:0:core: ppr needs ppr:N:RESOURCE with N >= 1 and RESOURCE one of core, l3cache, numa, socket (e.g. ppr:2:socket)" \
    --map-by ppr:0:core true
kr_expect_usage "--map-by ppr with a bad resource" \
    "mpirun: --map-by ppr:2:board: ppr needs ppr:N:RESOURCE with N >= 1 and RESOURCE one of core, l3cache, numa, socket (e.g. ppr:2:socket)" \
    --map-by ppr:2:board true
kr_expect_usage "--cpus-per-rank 0" "mpirun: --cpus-per-rank needs a positive integer, got '0'" \
    --cpus-per-rank 0 true
kr_expect_usage "--bind-to without a value" "mpirun: --bind-to needs a value" --bind-to
OMP_NUM_THREADS=x kr_run 10 "$MPIRUN" true
kr_expect "a bad OMP_NUM_THREADS is a usage error" \
    [ "$kr_rc" -eq 2 -a "$(cat "$kr_err")" = "mpirun: OMP_NUM_THREADS=x is not a positive number of threads" ]
kr_run 10 "$MPIRUN" --map-by ppr:1:core -n $((ncores + 1)) true
kr_expect "ppr that cannot place every rank exits 2 naming the limit" \
    [ "$kr_rc" -eq 2 ] && grep -q "^mpirun: host .*: --map-by ppr:1:core places at most $ncores" "$kr_err"
kr_run 10 "$MPIRUN" --help
kr_expect "--help documents binding" grep -q -- "--bind-to none|core|l3cache|numa|socket" "$kr_out" &&
    grep -q -- "--report-bindings" "$kr_out" && grep -q -- "--cpus-per-rank" "$kr_out" &&
    grep -q -- "ppr:N:RES" "$kr_out"

if [ "$ncores" -lt 2 ]; then
    echo "SKIP: binding checks need 2 cores, this host has $ncores"
    kr_finish
    exit $?
fi

# --report-bindings at np 2: one line per rank, its own core, on stderr only.
kr_run 30 "$MPIRUN" -n 2 --report-bindings "$RANKPROG" exit 0
kr_expect "--report-bindings: one line per rank, each on its own core" \
    [ "$kr_rc" -eq 0 -a "$(grep -c '^kurir: ' "$kr_err")" -eq 2 ] &&
    grep -Eq "^kurir: rank 0 on host $HOST bound to core 0 \(package [0-9]+, numa [0-9]+\)$" "$kr_err" &&
    grep -Eq "^kurir: rank 1 on host $HOST bound to core 1 \(package [0-9]+, numa [0-9-]+\)$" "$kr_err" &&
    [ ! -s "$kr_out" ]

# --bind-to core binds: each rank sees one core's CPUs, no two ranks the same.
kr_run 30 "$MPIRUN" -n 2 --bind-to core "$SPLIT" cpus "$smt"
kr_expect "--bind-to core: Cpus_allowed_list is one core per rank, disjoint" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 "$SPLIT" cpus "$smt"
kr_expect "default at np 2 <= cores: bound to a core each" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 1 --cpus-per-rank 2 "$SPLIT" cpus $((2 * smt))
kr_expect "--cpus-per-rank 2: two cores" [ "$kr_rc" -eq 0 ]
OMP_NUM_THREADS=2 kr_run 30 "$MPIRUN" -n 1 --report-bindings "$SPLIT" cpus $((2 * smt))
kr_expect "OMP_NUM_THREADS=2 gives a rank two cores" [ "$kr_rc" -eq 0 ] &&
    grep -q "^kurir: rank 0 on host $HOST bound to cores 0-1 " "$kr_err"

# Oversubscribed: unbound by default, a warning when binding is forced.
kr_run 30 "$MPIRUN" -n $((ncores + 1)) --report-bindings "$RANKPROG" exit 0
kr_expect "oversubscribed by default: not bound, no warning" \
    [ "$kr_rc" -eq 0 -a "$(grep -c "not bound (more ranks than cores)" "$kr_err")" -eq $((ncores + 1)) ] &&
    ! grep -q warning "$kr_err"
kr_run 30 "$MPIRUN" -n $((ncores + 1)) --bind-to core "$RANKPROG" exit 0
kr_expect "--bind-to core oversubscribed: a warning that ranks share cores" [ "$kr_rc" -eq 0 ] &&
    grep -q "^kurir: warning: host $HOST: $((ncores + 1)) ranks x 1 core do not fit the $ncores cores available to them: ranks share cores" "$kr_err"
kr_run 30 "$MPIRUN" -n 2 --bind-to none --report-bindings "$RANKPROG" exit 0
kr_expect "--bind-to none: not bound" \
    [ "$kr_rc" -eq 0 -a "$(grep -c "not bound (--bind-to none)" "$kr_err")" -eq 2 ]

# The topology goes to the ranks once per host, as an inherited memfd (nothing to clean up),
# and the library reads it instead of discovering the machine.
kr_run 30 "$MPIRUN" -n 2 sh -c 'echo "$KURIR_TOPO_XML $(head -c 5 "$KURIR_TOPO_XML")"'
kr_expect "ranks inherit the topology as XML (KURIR_TOPO_XML=/proc/self/fd/N)" [ "$kr_rc" -eq 0 ] &&
    [ "$(grep -Ec '^/proc/self/fd/[0-9]+ <\?xml$' "$kr_out")" -eq 2 ]
kr_run 30 "$MPIRUN" -n 2 -x KURIR_LOG=info:topo "$SPLIT" guided Core 1
kr_expect "split_type reads the launcher's topology, no discovery in the ranks" [ "$kr_rc" -eq 0 ] &&
    [ "$(grep -c 'topology read from /proc/self/fd/' "$kr_err")" -eq 2 ] &&
    ! grep -q "topology discovered" "$kr_err"

# MPI_Comm_split_type on hardware resources.
kr_run 30 "$MPIRUN" -n 2 "$SPLIT" guided mpi_shared_memory 2
kr_expect "HW_GUIDED mpi_shared_memory: the host" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --bind-to core "$SPLIT" guided Core 1
kr_expect "HW_GUIDED Core, bound to cores: one rank each" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --bind-to none "$SPLIT" guided core 2
kr_expect "HW_GUIDED core, unbound: the whole host" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --bind-to core "$SPLIT" guided Package 2
kr_expect "HW_GUIDED Package: both cores 0 and 1 of one package" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 "$SPLIT" guided board 0
kr_expect "HW_GUIDED with an unknown resource: MPI_COMM_NULL" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --bind-to core "$SPLIT" unguided 1
kr_expect "HW_UNGUIDED, bound to cores: the first resource that separates them" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --bind-to none "$SPLIT" unguided 0
kr_expect "HW_UNGUIDED, unbound on one host: MPI_COMM_NULL" [ "$kr_rc" -eq 0 ]

# MPI_Get_hw_resource_info: the smallest resource a rank is confined to.
hw_core=PU
[ "$smt" -gt 1 ] && hw_core=Core # a core's hardware threads: no single PU
kr_run 30 "$MPIRUN" -n 2 --bind-to core "$HWINFO" "$hw_core"
kr_expect "hw resource info, bound to cores: $hw_core" [ "$kr_rc" -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --bind-to none "$HWINFO"
kr_expect "hw resource info, unbound: the smallest object holding every CPU, as split_type sees" \
    [ "$kr_rc" -eq 0 ]

kr_finish
