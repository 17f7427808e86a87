/**
 * Peak memory of the current process for the benchmark's child processes. On Linux the peak is
 * the kernel's exact high-water mark (`VmHWM`), reset to the current RSS by writing 5 to
 * `/proc/self/clear_refs`; elsewhere RSS is sampled every 2 ms. (`getrusage`'s `ru_maxrss` is
 * not used: it survives exec, so it can report the parent's RSS.)
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The kernel's peak RSS of this process in bytes, or undefined when not available. */
function vmHwm(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak RSS to the current RSS; false when not supported. */
function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return vmHwm() !== undefined;
  } catch {
    return false;
  }
}

/**
 * Starts watching the peak: returns the RSS now and a function that stops watching and returns
 * the peak RSS since (bytes) and where it came from.
 */
export function watchPeakRss(): {
  baseline: number;
  stop: () => { peak: number; from: 'VmHWM' | 'sampled' };
} {
  const baseline = process.memoryUsage().rss;
  const exact = resetHwm();
  let sampled = baseline;
  const timer = exact
    ? undefined
    : setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 2);
  return {
    baseline,
    stop: () => {
      clearInterval(timer);
      return exact
        ? { peak: vmHwm()!, from: 'VmHWM' }
        : { peak: Math.max(sampled, process.memoryUsage().rss), from: 'sampled' };
    },
  };
}
