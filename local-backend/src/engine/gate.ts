/**
 * Admission for mutations: optimistic attempts share the gate; a mutation that keeps
 * conflicting takes it exclusively, so it runs alone and is guaranteed to commit. Waiting
 * exclusive holders block new shared entries, so they cannot starve.
 */
export class MutationGate {
  private shared = 0;
  private exclusive = false;
  private readonly waitingExclusive: (() => void)[] = [];
  private readonly waitingShared: (() => void)[] = [];

  async acquireShared(): Promise<() => void> {
    while (this.exclusive || this.waitingExclusive.length > 0) {
      await new Promise<void>((resolve) => this.waitingShared.push(resolve));
    }
    this.shared++;
    return () => {
      this.shared--;
      this.wake();
    };
  }

  async acquireExclusive(): Promise<() => void> {
    if (this.exclusive || this.shared > 0 || this.waitingExclusive.length > 0) {
      await new Promise<void>((resolve) => this.waitingExclusive.push(resolve));
    } else {
      this.exclusive = true;
    }
    return () => {
      this.exclusive = false;
      this.wake();
    };
  }

  private wake(): void {
    if (this.exclusive || this.shared > 0) return;
    const next = this.waitingExclusive.shift();
    if (next) {
      this.exclusive = true;
      next();
      return;
    }
    for (const resolve of this.waitingShared.splice(0)) resolve();
  }
}
