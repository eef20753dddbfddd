# Rules for a test directory: TESTS_C (ATF C programs, NAME.c) and
# TESTS_SH (ATF shell scripts, NAME.sh), linked against libpfkey.a.
# Test Makefiles include ../Makefile.inc and then this file.

TEST_LIBS?=	${LIBPFKEY}

all: ${TESTS_C} ${TESTS_SH}

.for t in ${TESTS_C}
${t}: ${.CURDIR}/${t}.c ${TEST_LIBS} ${TEST_DEPS}
	${CC} ${CFLAGS} ${ATF_CFLAGS} -o ${.TARGET} ${.CURDIR}/${t}.c \
	    ${TEST_SRCS} ${TEST_LIBS} ${ATF_LIBS} ${LDFLAGS} ${LDADD}
.endfor

.for t in ${TESTS_SH}
${t}: ${.CURDIR}/${t}.sh
	echo '#! ${ATF_SH}' > ${.TARGET}.tmp
	cat ${.CURDIR}/${t}.sh >> ${.TARGET}.tmp
	chmod +x ${.TARGET}.tmp && mv ${.TARGET}.tmp ${.TARGET}
.endfor

clean cleandir:
	rm -f ${TESTS_C} ${TESTS_SH} *.tmp *.o

install depend obj tags lint:
