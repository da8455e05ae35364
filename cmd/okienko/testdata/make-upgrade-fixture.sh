#!/usr/bin/env bash
# Makes the upgrade fixture TestUpgradeFromPreviousRelease reads: the
# database of an earlier commit's server (the demo office, a few bookings,
# one cancelled, two walk-in tickets, an added clerk), vacuumed and gzipped,
# and a JSON manifest of what it holds.
#
#   cmd/okienko/testdata/make-upgrade-fixture.sh COMMIT NAME
#
# run from the repository's root, e.g. COMMIT = the commit before
# migrations/sqlite/00022 was added, NAME = upgrade-00021. Needs go, curl, jq.
set -euo pipefail
commit=${1:?commit}
name=${2:?name}
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'if [ -n "${pid:-}" ]; then kill "$pid"; fi; rm -rf "$work"' EXIT

mkdir "$work/src"
git archive "$commit" | tar -x -C "$work/src"
(cd "$work/src" && go build -o "$work/okienko-old" ./cmd/okienko)
go build -o "$work/okienko-new" ./cmd/okienko

export OKIENKO_DATA_DIR="$work/data" OKIENKO_LISTEN=127.0.0.1:0 OKIENKO_BASE_URL=http://okienko.test
export OKIENKO_SECRET=upgrade-fixture-secret-0123456789abcdef OKIENKO_ADMIN_PASSWORD=upgrade-fixture-admin
export OKIENKO_TRUSTED_PROXIES=127.0.0.1
"$work/okienko-old" serve >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -q 'msg=listening' "$work/log" && break; sleep 0.2; done
base=http://$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/log")
kiosk=$(sed -n 's/^  kiosk token *//p' "$work/out")

pesel() { # YYMMDDSSSS → PESEL
	local d=$1 w=(1 3 7 9 1 3 7 9 1 3) s=0 i
	for i in $(seq 0 9); do s=$((s + ${d:i:1} * w[i])); done
	echo "$d$(((10 - s % 10) % 10))"
}

codes=() pesels=() names=("Anna Nowak" "Piotr Wiśniewski" "Zofia Kowalczyk")
services=$(curl -sf "$base/api/v1/departments" | jq '[.[].services[] | select(.proof_of_work | not) | select(.confirm_minutes == 0) | .id] | .[:3] | .[]')
i=0
for svc in $services; do
	day=$(curl -sf "$base/api/v1/services/$svc/days" | jq -r '[.[] | select(.free > 0)][1].date')
	start=$(curl -sf "$base/api/v1/services/$svc/slots?date=$day" | jq -r '[.slots[] | select(.free > 0)][0].start')
	p=$(pesel "8001010$((100 + i))")
	code=$(curl -sS -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.9.0.$((i + 1))" "$base/api/v1/bookings" \
		-d "{\"service_id\":$svc,\"start\":\"$start\",\"name\":\"${names[i]}\",\"pesel\":\"$p\",\"email\":\"m$i@example.pl\",\"consent\":true}" | jq -r .code)
	[ -n "$code" ] && [ "$code" != null ] || exit 1
	codes+=("$code") pesels+=("$p")
	i=$((i + 1))
done
curl -sf -H 'Content-Type: application/json' -H 'X-Forwarded-For: 10.9.0.9' "$base/api/v1/bookings/${codes[2]}/cancel" -d "{\"pesel\":\"${pesels[2]}\"}" >/dev/null
tickets=()
for svc in $(echo "$services" | head -2); do
	tickets+=("$(curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $kiosk" "$base/api/v1/kiosk/tickets" -d "{\"service_id\":$svc}" | jq -r .ticket.public_id)")
done
printf 'haslo-urzednika-1\n' | "$work/okienko-old" user add --password-file - --display-name 'Anna Urzędniczka' urzedniczka clerk >/dev/null
kill -TERM "$pid"
wait "$pid" || true
pid=

"$work/okienko-new" backup "$work/copy.db" >/dev/null
gzip -9 -n -c "$work/copy.db" >"$out/$name.db.gz"
jq -n --arg commit "$(git rev-parse "$commit")" \
	--argjson codes "$(printf '%s\n' "${codes[@]}" | jq -R . | jq -s .)" \
	--argjson pesels "$(printf '%s\n' "${pesels[@]}" | jq -R . | jq -s .)" \
	--argjson tickets "$(printf '%s\n' "${tickets[@]}" | jq -R . | jq -s .)" \
	'{commit: $commit, secret: env.OKIENKO_SECRET, admin_password: env.OKIENKO_ADMIN_PASSWORD,
	  bookings: [range(0; $codes | length) as $i | {code: $codes[$i], pesel: $pesels[$i], status: (if $i == 2 then "cancelled" else "booked" end)}],
	  tickets: $tickets, clerk: {username: "urzedniczka", password: "haslo-urzednika-1"}}' >"$out/$name.json"
echo "wrote $out/$name.db.gz ($(stat -c %s "$out/$name.db.gz") bytes) and $name.json"
