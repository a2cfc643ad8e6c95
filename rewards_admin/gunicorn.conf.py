"""gunicorn settings for every web process: the Procfile (`make run`) and the Docker image
pass `-c rewards_admin/gunicorn.conf.py`; bind address and worker counts stay on their
command lines. https://docs.gunicorn.org/en/stable/settings.html#access-log-format
"""

# Access log on stdout, without query strings. gunicorn's default logs the request line
# (%(r)s) and the Referer (%(f)s), both with the query: an email search
# (GET /?q=riley.chen2%40example.com) would put a recipient's address in the log. %(U)s is
# the path alone; the Referer is left out. The rest: client address, time, method, protocol,
# status, bytes, duration in ms, user agent.
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
