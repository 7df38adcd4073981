/*
 * pty_run CMD [ARGS...]: run CMD on a new pseudo-terminal, as if from a
 * terminal, with everything on stdin typed ahead into it at once (as keys
 * typed while CMD starts); CMD's terminal output goes to stdout the moment
 * it arrives, unbuffered.  Exits with CMD's status (128 + signal if it was
 * killed).  For the console benchmark: util-linux's `script` holds its
 * output back until the end, so its timing says nothing.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char in[65536], buf[4096];
	size_t nin = 0;
	ssize_t r;
	int master, status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: pty_run CMD [ARGS...] <keys\n");
		return 2;
	}
	while (nin < sizeof(in) && (r = read(STDIN_FILENO, in + nin, sizeof(in) - nin)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("pty_run: stdin");
			return 2;
		}
		nin += (size_t)r;
	}
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		perror("pty_run: forkpty");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (write_all(master, in, nin)) {
		perror("pty_run: typing");
		return 2;
	}
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		r = read(master, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* EIO: the terminal's last user is gone */
		if (write_all(STDOUT_FILENO, buf, (size_t)r))
			break;
	}
	close(master);
	if (waitpid(pid, &status, 0) < 0) {
		perror("pty_run: waitpid");
		return 2;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
