#!/bin/sh
# Builds small noarch packages with rpmbuild and records them in a fresh RPM database under
# $1/var/lib/rpm (--justdb: only the database is written, no file is installed).
set -eux
out=$1
top=/tmp/rpmbuild
mkdir -p "$top/SPECS" "$out/var/lib/rpm"
spec() { # spec NAME EPOCH VERSION RELEASE FILES
    {
        echo "Name: $1"
        [ -n "$2" ] && echo "Epoch: $2"
        echo "Version: $3"
        echo "Release: $4"
        echo "Summary: $1 for the structure tests"
        echo "License: MIT"
        echo "BuildArch: noarch"
        echo "%description"
        echo "$1 for the structure tests."
        echo "%install"
        echo "mkdir -p %{buildroot}/opt/$1"
        i=0
        while [ "$i" -lt "$5" ]; do
            echo "echo $i > %{buildroot}/opt/$1/file-with-a-rather-long-name-number-$i.txt"
            i=$((i + 1))
        done
        echo "%files"
        echo "/opt/$1"
    } > "$top/SPECS/$1.spec"
    rpmbuild --define "_topdir $top" --define "__os_install_post %{nil}" --define "_build_id_links none" --quiet -bb "$top/SPECS/$1.spec"
}
spec hello 2 1.2.3 4.fc39 1
spec big-files "" 0.9 1 1200
i=1
while [ "$i" -le 12 ]; do
    spec "filler-$i" "" "1.$i" 1 3
    i=$((i + 1))
done
rpm --dbpath "$out/var/lib/rpm" --initdb
rpm --dbpath "$out/var/lib/rpm" -i --justdb --nodeps --noscripts "$top"/RPMS/noarch/*.rpm
# What rpm itself says is installed, for the test to compare with what seaworthy reads.
rpm --dbpath "$out/var/lib/rpm" -qa --qf '%{NAME} %{EVR}\n' | LC_ALL=C sort > "$out/rpm-qa.txt"
head -3 "$out/rpm-qa.txt"
ls -l "$out/var/lib/rpm"
