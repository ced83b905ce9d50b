/**
 * The shared classifier for live messages, loaded once per process. If its model cannot load
 * (a damaged install), messages are still stored and routed to the default queue, and the
 * error is logged loudly: losing residents' messages would be worse than losing their labels.
 */
import type { Logger } from '../../../logger.ts';
import { createTriage } from '../triage/index.ts';
import { unclassifiedTriage, type Triager } from './triage-port.ts';

export async function loadTriager(log: Logger): Promise<Triager> {
  try {
    return await createTriage();
  } catch (error) {
    log.error({ err: error }, 'the triage model could not load: inbound messages are stored unclassified');
    return unclassifiedTriage;
  }
}
