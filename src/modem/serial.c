#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "serial.h"
#include "util.h"

static const struct {
	unsigned baud;
	speed_t speed;
} bauds[] = {
	{ 9600, B9600 },     { 19200, B19200 },   { 38400, B38400 },   { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 }, { 921600, B921600 },
};

static int baud_speed(unsigned baud, speed_t *speed)
{
	for (size_t i = 0; i < ARRAY_SIZE(bauds); i++) {
		if (bauds[i].baud == baud) {
			*speed = bauds[i].speed;
			return 0;
		}
	}
	return -EINVAL;
}

int serial_baud_valid(unsigned baud)
{
	speed_t s;

	return baud_speed(baud, &s) == 0;
}

int serial_open(const char *path, unsigned baud, char *why, size_t whylen)
{
	struct termios tio;
	speed_t speed;
	const char *step;
	int fd, err;

	if (baud_speed(baud, &speed) < 0) {
		snprintf(why, whylen, "%s: unsupported baud rate %u", path, baud);
		return -EINVAL;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(why, whylen, "%s: %s", path,
			 err == EBUSY ? "in use by another process (exclusive open); is ModemManager or a second smsgated running?"
				      : strerror(err));
		return -err;
	}
	step = "TIOCEXCL";
	if (ioctl(fd, TIOCEXCL) < 0)
		goto fail;
	step = "tcgetattr";
	if (tcgetattr(fd, &tio) < 0)
		goto fail;
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(tcflag_t)(CRTSCTS | CSTOPB | PARENB);
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	step = "tcsetattr";
	if (tcsetattr(fd, TCSANOW, &tio) < 0)
		goto fail;
	tcflush(fd, TCIOFLUSH);
	return fd;
fail:
	err = errno;
	snprintf(why, whylen, "%s: %s: %s", path, step, strerror(err));
	close(fd);
	return -err;
}
