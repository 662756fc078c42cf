/var/log:
total 8
drwxr-xr-x  3 0 0 4096 2024-03-01 12:00 .
-rw-r--r-Q  1 0 0 10 2024-03-01 12:00 app.log
