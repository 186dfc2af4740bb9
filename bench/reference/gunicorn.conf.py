"""The reference's gunicorn: gthread, 2 workers x 8 threads (the issue's bare reference)."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8090')}"
workers = 2
threads = 8
worker_class = "gthread"
keepalive = 5
worker_tmp_dir = "/dev/shm"
control_socket_disable = True
accesslog = "-"  # as the services do: the same logging cost
errorlog = "-"
