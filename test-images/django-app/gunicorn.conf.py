"""Gunicorn settings of seaworthy-test/django-app, from the environment.

GUNICORN_BIND     default unix:/run/gunicorn/gunicorn.sock (socket mode 0777: umask 0,
                  so nginx, another user in another container, can connect)
GUNICORN_WORKERS  default 2
GUNICORN_TIMEOUT  default 30 (seconds)

Access log on stdout, one line per request, in this format:
  CLIENT - USER [TIME] "REQUEST LINE" STATUS BYTES "REFERER" "USER AGENT" DURATION_US
e.g.
  172.20.0.1 - - [28/Nov/2026:00:11:10 +0000] "GET /admin/ HTTP/1.0" 302 0 "-" "curl/7.88.1" 25334
CLIENT is the X-Forwarded-For header set by nginx ("-" without it: a unix
socket has no peer address). Error log (Gunicorn's own lines, Django's log and
anything the app prints) on stderr.
"""
import os

wsgi_app = "mysite.wsgi:application"
proc_name = "mysite"
bind = [os.environ.get("GUNICORN_BIND", "unix:/run/gunicorn/gunicorn.sock")]
umask = 0
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
errorlog = "-"
capture_output = True
forwarded_allow_ips = "*"
