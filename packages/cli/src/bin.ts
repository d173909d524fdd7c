#!/usr/bin/env node
import { main } from './main.js';

// Exit explicitly: a consumer module may leave clients open (a Redis connection) that would keep the process alive.
process.exit(await main(process.argv));
