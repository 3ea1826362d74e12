package io.nodedns.plugin.nodecache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Coordinated teardown for instances sharing the node-local addresses (HA pairs, surge rollouts):
 * each live instance holds a lock on its own file {@code holder-PID-N.lock} in a shared directory
 * (a hostPath). At exit, under the directory's {@code teardown.lock}, an instance drops its own
 * file and tries to lock every other one: a lock it cannot take belongs to a live process (the
 * kernel releases the locks of a killed one), so the rules stay; only the last one out tears down.
 * Registration takes the same lock, so a starting instance never races a teardown.
 */
final class Holders {
    private static final String PREFIX = "holder-";
    private static final Object JVM_LOCK = new Object(); // file locks are per process: serialize this JVM's callers

    private final Path dir;
    private final Path own;
    private final FileChannel ownChannel;
    private final FileLock ownLock;

    private Holders(Path dir, Path own, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.own = own;
        this.ownChannel = channel;
        this.ownLock = lock;
    }

    /** Registers this process as a live holder. */
    static Holders register(Path dir) throws IOException {
        Files.createDirectories(dir);
        synchronized (JVM_LOCK) {
            return registerLocked(dir);
        }
    }

    private static Holders registerLocked(Path dir) throws IOException {
        try (FileChannel global = open(dir.resolve("teardown.lock")); FileLock ignored = global.lock()) {
            long pid = ProcessHandle.current().pid();
            for (int n = 0;; n++) {
                Path file = dir.resolve(PREFIX + pid + "-" + n + ".lock");
                try {
                    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                    return new Holders(dir, file, channel, channel.lock());
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // another registration of this process (or a dead process with our pid): next number
                }
            }
        }
    }

    /**
     * Leaves the holder set; runs {@code teardown} (under the lock) only if no other live holder
     * remains. Returns the number of other live holders.
     */
    int leave(Runnable teardown) throws IOException {
        synchronized (JVM_LOCK) {
            return leaveLocked(teardown);
        }
    }

    private int leaveLocked(Runnable teardown) throws IOException {
        try (FileChannel global = open(dir.resolve("teardown.lock")); FileLock ignored = global.lock()) {
            ownLock.release();
            ownChannel.close();
            Files.deleteIfExists(own);
            int live = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*.lock")) {
                for (Path file : files) {
                    if (isLive(file)) {
                        live++;
                    }
                }
            }
            if (live == 0) {
                teardown.run();
            }
            return live;
        }
    }

    /** True if another process (or another registration in this JVM) holds the file's lock; removes stale files. */
    private static boolean isLive(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return true;
            }
            if (lock == null) {
                return true;
            }
            lock.release();
            Files.deleteIfExists(file); // its process died without leaving
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
