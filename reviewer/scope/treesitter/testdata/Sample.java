package org.example.queue;

import java.util.ArrayList;
// The list type.
import java.util.List;

/**
 * A queue of jobs.
 */
@Service
public class Queue {
    private final List<String> jobs = new ArrayList<>();

    /** Push adds a job. */
    @Override
    public boolean push(String job) {
        if (jobs.size() > 10) {
            return false;
        }
        Runnable r = () -> {
            jobs.add(job);
        };
        r.run();
        return true;
    }

    static class Entry {
        int id;

        Entry(int id) {
            this.id = id;
        }
    }
}
