import { Injectable } from '@nestjs/common';

/**
 * Process-wide state that readiness, admission control and chat share: are we draining for
 * shutdown, and how many requests are in flight. (What readiness shows about load comes from the
 * load shedder through the LoadReport interface, traffic/load-report.ts.)
 */
@Injectable()
export class LifecycleService {
  private draining = false;
  inFlight = 0;

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }
}
