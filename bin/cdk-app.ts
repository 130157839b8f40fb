#!/usr/bin/env node
/** The CDK app: `npx cdk synth` / `npx cdk deploy`. Settings: see `-c` options in the README. */
import { createSwitchyardApp } from '../lib/app';

createSwitchyardApp();
