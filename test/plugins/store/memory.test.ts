import { createMemoryStore } from '../../../plugins/store/memory.js'
import { storeContract } from './contract.js'

storeContract('memory store', async () => createMemoryStore())
