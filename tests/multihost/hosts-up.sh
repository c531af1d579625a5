#!/bin/bash
# hosts-up.sh N: bring up N fake hosts h1..hN (see common.sh for the layout), each with an sshd
# that lets root in with a key generated here. Starts from a clean slate: whatever an earlier,
# interrupted run left is torn down first. Needs root, iproute2, openssh-server, util-linux.
set -eu
. "$(dirname "$0")/common.sh"

n=${1:-3}
case $n in '' | *[!0-9]*) krtb_die "usage: hosts-up.sh N (1..50)" ;; esac
[ "$n" -ge 1 ] && [ "$n" -le 50 ] || krtb_die "usage: hosts-up.sh N (1..50)"
[ "$(id -u)" -eq 0 ] || krtb_die "must run as root"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
for t in ip ssh ssh-keygen unshare nsenter "$SSHD"; do
    command -v "$t" >/dev/null || krtb_die "missing $t (apt-get install iproute2 openssh-client openssh-server util-linux)"
done

"$KRTB_HERE/hosts-down.sh" >/dev/null 2>&1 || true
[ ! -e "$KRTB_DIR" ] || krtb_die "$KRTB_DIR exists and is not a testbed state directory"
mkdir -p "$KRTB_DIR"
touch "$KRTB_DIR/.krtb-state"
# sshd's privilege separation directory (Debian creates it from the service unit only).
if [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd
    chmod 755 /run/sshd
    touch "$KRTB_DIR/made-run-sshd"
fi

# --- client key, known_hosts, ssh_config, /etc/hosts for the fake hosts -------------------------
ssh-keygen -q -t ed25519 -N '' -C krtb-client -f "$KRTB_DIR/id_ed25519"
cp "$KRTB_DIR/id_ed25519.pub" "$KRTB_DIR/authorized_keys"
: >"$KRTB_DIR/known_hosts"
{
    echo "# ssh -F $KRTB_DIR/ssh_config h1  (written by tests/multihost/hosts-up.sh)"
    for i in $(seq "$n"); do
        printf 'Host %s %s\n  HostName %s\n' "$(krtb_name "$i")" "$(krtb_ip "$i")" "$(krtb_ip "$i")"
    done
    cat <<EOF
Host *
  User root
  IdentityFile $KRTB_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $KRTB_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  CheckHostIP no
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
EOF
} >"$KRTB_DIR/ssh_config"
krtb_hosts_files "$n"

# --- the bridge (login node side) and the hosts' namespaces -----------------------------------
krtb_net_up "$n"

# --- the hosts ----------------------------------------------------------------------------------
for i in $(seq "$n"); do
    hd=$(krtb_hdir "$i")
    addr=$(krtb_ip "$i")
    ssh-keygen -q -t ed25519 -N '' -C "$(krtb_name "$i")" -f "$hd/host_key"
    echo "$(krtb_name "$i"),$addr $(cut -d' ' -f1,2 "$hd/host_key.pub")" >>"$KRTB_DIR/known_hosts"
    cat >"$hd/sshd_config" <<EOF
# sshd of fake host $(krtb_name "$i") ($addr), written by tests/multihost/hosts-up.sh
ListenAddress $addr:22
HostKey $hd/host_key
PidFile $hd/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $KRTB_DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# the key files live under /tmp, which sshd's ownership checks reject
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
# mpirun opens one session per host at once; a whole test run opens many in a row
MaxStartups 100:30:200
MaxSessions 100
EOF
    "$SSHD" -t -f "$hd/sshd_config"
    # Own hostname, SysV IPC, /dev/shm and /etc/hosts for everything started through this sshd.
    krtb_host_exec "$i" "$SSHD" -f "$hd/sshd_config" -E "$hd/sshd.log"
done
echo "$n" >"$KRTB_DIR/nhosts"

# --- wait until each sshd answers with the right hostname (poll with a deadline) ----------------
for i in $(seq "$n"); do
    name=$(krtb_name "$i")
    answers() { [ "$(ssh -F "$KRTB_DIR/ssh_config" "$name" hostname 2>/dev/null)" = "$name" ]; }
    krtb_wait_for 15 answers || krtb_die "$name does not answer on ssh; see $(krtb_hdir "$i")/sshd.log"
done
echo "hosts-up.sh: $n hosts up: $(for i in $(seq "$n"); do printf '%s=%s ' "$(krtb_name "$i")" "$(krtb_ip "$i")"; done)(login node $KRTB_LOGIN, state in $KRTB_DIR)"
