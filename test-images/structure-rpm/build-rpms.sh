#!/bin/sh
# Builds small noarch packages with rpmbuild and records them in a fresh RPM database under
# $1/var/lib/rpm (--justdb: only the database is written, no file is installed).
set -eux
out=$1
top=/tmp/rpmbuild
mkdir -p "$top/SPECS" "$out/var/lib/rpm"
# spec NAME EPOCH VERSION RELEASE FILES SUBPACKAGES: a package with FILES files under
# /opt/NAME, and SUBPACKAGES subpackages NAME-1… with one file each (one rpmbuild for all).
spec() {
    {
        echo "Name: $1"
        [ -n "$2" ] && echo "Epoch: $2"
        echo "Version: $3"
        echo "Release: $4"
        echo "Summary: $1 for the structure tests"
        echo "License: MIT"
        echo "BuildArch: noarch"
        echo "AutoReqProv: no"
        echo "%description"
        echo "$1 for the structure tests."
        j=1
        while [ "$j" -le "$6" ]; do
            printf '%%package %s\nSummary: part %s\n%%description %s\npart %s.\n' "$j" "$j" "$j" "$j"
            j=$((j + 1))
        done
        echo "%install"
        echo "mkdir -p %{buildroot}/opt/$1"
        i=0
        while [ "$i" -lt "$5" ]; do
            echo "echo $i > %{buildroot}/opt/$1/file-with-a-rather-long-name-number-$i.txt"
            i=$((i + 1))
        done
        j=1
        while [ "$j" -le "$6" ]; do
            echo "echo $j > %{buildroot}/opt/$1/part-$j"
            j=$((j + 1))
        done
        echo "%files"
        [ "$5" -gt 0 ] && echo "/opt/$1/file-*"
        j=1
        while [ "$j" -le "$6" ]; do
            printf '%%files %s\n/opt/%s/part-%s\n' "$j" "$1" "$j"
            j=$((j + 1))
        done
    } > "$top/SPECS/$1.spec"
    rpmbuild --define "_topdir $top" --define "__os_install_post %{nil}" \
        --define "_build_id_links none" --quiet -bb "$top/SPECS/$1.spec"
}
spec hello 2 1.2.3 4.fc39 1 0
spec big-files "" 0.9 1 1200 0
spec filler "" 1.0 1 0 12
rpm --dbpath "$out/var/lib/rpm" --initdb
rpm --dbpath "$out/var/lib/rpm" -i --justdb --nodeps --noscripts "$top"/RPMS/noarch/*.rpm
# What rpm itself says is installed, for the test to compare with what seaworthy reads.
rpm --dbpath "$out/var/lib/rpm" -qa --qf '%{NAME} %{EVR}\n' | LC_ALL=C sort > "$out/rpm-qa.txt"
cat "$out/rpm-qa.txt"
ls -l "$out/var/lib/rpm"
